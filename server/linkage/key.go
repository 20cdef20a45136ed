package linkage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/store"
)

// The linkage keyring's names in the store and in their sealed envelopes.
// The name tells the index's encoding scheme: an index made before scheme
// 2 has keyringNameHMAC and keeps SchemeHMAC; a new one gets
// keyringNameCMAC. Neither can collide with a pseudonym domain: those may
// not contain '/'.
const (
	keyringNameHMAC = "person-index/linkage"
	keyringNameCMAC = "person-index/linkage/cmac"
)

// EncoderKey loads the linkage key from the store, or makes it on first use,
// and derives the encoder's key from it; scheme is the index's encoding
// scheme (NewEncoderOfScheme). The linkage key has one version, and the
// index one scheme, for the life of an index: every stored encoding
// depends on them. Two servers starting at once on a shared store agree on
// one key: the second one's Create fails and it reads the first one's.
func EncoderKey(ctx context.Context, st store.Store, kek *keys.KEK, rand io.Reader, now time.Time) (key []byte, scheme Scheme, err error) {
	var ring *keys.Keyring
	err = st.View(ctx, func(tx store.Tx) error {
		sealed, err := tx.Keyrings().Get(keyringNameHMAC)
		if err == nil {
			ring, err = keys.OpenKeyring(kek, keyringNameHMAC, sealed)
			return err
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("linkage key: %w", err)
	}
	scheme = SchemeHMAC
	if ring == nil {
		if ring, err = openOrMakeKeyring(ctx, st, kek, rand, now, keyringNameCMAC); err != nil {
			return nil, 0, err
		}
		scheme = SchemeCMAC
	}
	key, err = ring.DeriveSubkeyForServerUse(1, "person index encodings")
	return key, scheme, err
}

// openOrMakeKeyring loads keyring name from the store, or makes it.
func openOrMakeKeyring(ctx context.Context, st store.Store, kek *keys.KEK, rand io.Reader, now time.Time, name string) (*keys.Keyring, error) {
	var ring *keys.Keyring
	for range 2 {
		err := st.Update(ctx, func(tx store.Tx) error {
			sealed, err := tx.Keyrings().Get(name)
			if err == nil {
				ring, err = keys.OpenKeyring(kek, name, sealed)
				return err
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			fresh, err := keys.NewKeyring(name, rand, now)
			if err != nil {
				return err
			}
			if sealed, err = fresh.Seal(kek, rand); err != nil {
				return err
			}
			if err := tx.Keyrings().Create(name, sealed); err != nil {
				return err
			}
			ring = fresh
			return nil
		})
		if errors.Is(err, store.ErrExists) {
			continue // another server made it between our Get and Create
		}
		if err != nil {
			return nil, fmt.Errorf("linkage key: %w", err)
		}
		return ring, nil
	}
	return nil, errors.New("linkage key: created and not found")
}
