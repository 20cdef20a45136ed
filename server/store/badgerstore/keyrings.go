package badgerstore

import "github.com/ttpnl/ttp/server/store"

// keyrings is store.Keyrings: sealed bytes under keyringPrefix + name.
type keyrings struct{ t *tx }

func (r keyrings) Get(name string) ([]byte, error) {
	var sealed []byte
	found, err := r.t.get("read keyring", nameKey(keyringPrefix, name), func(v []byte) error {
		sealed = cloneBytes(v)
		return nil
	})
	if err == nil && !found {
		err = store.ErrNotFound
	}
	return sealed, err
}

// Create leaves the transaction usable when the keyring exists: it writes
// nothing before it knows.
func (r keyrings) Create(name string, sealed []byte) error {
	if err := r.t.writable(); err != nil {
		return err
	}
	key := nameKey(keyringPrefix, name)
	if found, err := r.t.has("read keyring", key); err != nil || found {
		return orExists(err)
	}
	return r.t.set("write keyring", key, cloneBytes(sealed))
}
