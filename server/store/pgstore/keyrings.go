package pgstore

import (
	"fmt"

	"github.com/ttpnl/ttp/server/store"
)

type keyrings struct{ t *tx }

func (r keyrings) Get(name string) ([]byte, error) {
	var sealed []byte
	if err := r.t.queryRow("get keyring", `SELECT sealed FROM keyrings WHERE name = $1`, []any{name}, &sealed); err != nil {
		return nil, err
	}
	return orNil(sealed), nil
}

// Create inserts the keyring, or gives ErrExists: ON CONFLICT DO NOTHING
// leaves the transaction usable, and at READ COMMITTED the next Get sees
// the keyring that another server committed first.
func (r keyrings) Create(name string, sealed []byte) error {
	if err := r.t.writable("create keyring"); err != nil {
		return err
	}
	n, err := r.t.exec("create keyring", `INSERT INTO keyrings (name, sealed) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
		name, nonNil(sealed))
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("pgstore: keyring %q: %w", name, store.ErrExists)
	}
	return nil
}
