package pgstore

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/server/store"
)

type recipients struct{ t *tx }

const recipientColumns = `name, public_key, registered, revision`

func scanRecipient(row pgx.CollectableRow) (store.RecipientKey, error) {
	var k store.RecipientKey
	var revision int64
	if err := row.Scan(&k.Name, &k.PublicKey, &k.Registered, &revision); err != nil {
		return k, err
	}
	if revision <= 0 {
		return k, corrupt("a recipient's revision is not positive")
	}
	k.Registered = k.Registered.UTC()
	k.Revision = u64(revision)
	return k, nil
}

// Get reads the key; in Update it locks the row (FOR UPDATE) until the
// transaction ends.
func (r recipients) Get(name string) (store.RecipientKey, error) {
	sql := `SELECT ` + recipientColumns + ` FROM recipients WHERE name = $1`
	if !r.t.readOnly {
		sql += ` FOR UPDATE`
	}
	ks, err := query(r.t, "get recipient", sql, []any{name}, scanRecipient)
	if err != nil {
		return store.RecipientKey{}, err
	}
	if len(ks) == 0 {
		return store.RecipientKey{}, fmt.Errorf("pgstore: recipient %q: %w", name, store.ErrNotFound)
	}
	return ks[0], nil
}

func (r recipients) List() ([]store.RecipientKey, error) {
	return query(r.t, "list recipients", `SELECT `+recipientColumns+` FROM recipients ORDER BY name`, nil, scanRecipient)
}

// Put inserts the key at revision 1, or replaces it and counts the
// revision up.
func (r recipients) Put(k store.RecipientKey) error {
	if err := r.t.writable("put recipient"); err != nil {
		return err
	}
	_, err := r.t.exec("put recipient", `
		INSERT INTO recipients (`+recipientColumns+`) VALUES ($1, $2, $3, 1)
		ON CONFLICT (name) DO UPDATE SET public_key = excluded.public_key,
			registered = excluded.registered, revision = recipients.revision + 1`,
		k.Name, k.PublicKey, k.Registered)
	return err
}
