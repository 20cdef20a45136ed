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

// keyringName is the linkage keyring's name in the store and in its sealed
// envelope. It cannot collide with a pseudonym domain: those may not
// contain '/'.
const keyringName = "person-index/linkage"

// EncoderKey loads the linkage key from the store, or makes it on first use,
// and derives the encoder's key from it. The linkage key has one version for
// the life of an index: every stored encoding depends on it. Two servers
// starting at once on a shared store agree on one key: the second one's
// Create fails and it reads the first one's.
func EncoderKey(ctx context.Context, st store.Store, kek *keys.KEK, rand io.Reader, now time.Time) ([]byte, error) {
	var ring *keys.Keyring
	for range 2 {
		err := st.Update(ctx, func(tx store.Tx) error {
			sealed, err := tx.Keyrings().Get(keyringName)
			if err == nil {
				ring, err = keys.OpenKeyring(kek, keyringName, sealed)
				return err
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			fresh, err := keys.NewKeyring(keyringName, rand, now)
			if err != nil {
				return err
			}
			if sealed, err = fresh.Seal(kek, rand); err != nil {
				return err
			}
			if err := tx.Keyrings().Create(keyringName, sealed); err != nil {
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
		return ring.DeriveSubkeyForServerUse(1, "person index encodings")
	}
	return nil, errors.New("linkage key: created and not found")
}
