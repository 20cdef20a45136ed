package linkage

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/keys"
)

const keyringKey = "lk/key"

// keyringName is the linkage keyring's domain name in its sealed envelope.
// It cannot collide with a pseudonym domain: those may not contain '/'.
const keyringName = "person-index/linkage"

// EncoderKey loads the linkage key from the store, or makes it on first use,
// and derives the encoder's key from it. The linkage key has one version for
// the life of an index: every stored encoding depends on it.
func EncoderKey(db *badger.DB, kek *keys.KEK, rand io.Reader, now time.Time) ([]byte, error) {
	var ring *keys.Keyring
	err := db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(keyringKey))
		if errors.Is(err, badger.ErrKeyNotFound) {
			if ring, err = keys.NewKeyring(keyringName, rand, now); err != nil {
				return err
			}
			sealed, err := ring.Seal(kek, rand)
			if err != nil {
				return err
			}
			return txn.Set([]byte(keyringKey), sealed)
		}
		if err != nil {
			return err
		}
		sealed, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		ring, err = keys.OpenKeyring(kek, keyringName, sealed)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("linkage key: %w", err)
	}
	return ring.DeriveSubkeyForServerUse(1, "person index encodings")
}
