package pgstore

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/server/store"
)

type domains struct{ t *tx }

const domainColumns = `name, description, mode, brokers, recipients, created, keyring, revision`

func scanDomain(row pgx.CollectableRow) (store.Domain, error) {
	var d store.Domain
	var revision int64
	if err := row.Scan(&d.Name, &d.Description, &d.Mode, &d.Brokers, &d.Recipients, &d.Created, &d.Keyring, &revision); err != nil {
		return d, err
	}
	if revision <= 0 {
		return d, corrupt("a domain's revision is not positive")
	}
	d.Brokers, d.Recipients, d.Keyring = orNil(d.Brokers), orNil(d.Recipients), orNil(d.Keyring)
	d.Created = d.Created.UTC()
	d.Revision = u64(revision)
	return d, nil
}

// Get reads the domain; in Update it locks the row (FOR UPDATE) until
// the transaction ends.
func (r domains) Get(name string) (store.Domain, error) {
	sql := `SELECT ` + domainColumns + ` FROM domains WHERE name = $1`
	if !r.t.readOnly {
		sql += ` FOR UPDATE`
	}
	ds, err := query(r.t, "get domain", sql, []any{name}, scanDomain)
	if err != nil {
		return store.Domain{}, err
	}
	if len(ds) == 0 {
		return store.Domain{}, fmt.Errorf("pgstore: domain %q: %w", name, store.ErrNotFound)
	}
	return ds[0], nil
}

func (r domains) List() ([]store.Domain, error) {
	return query(r.t, "list domains", `SELECT `+domainColumns+` FROM domains ORDER BY name`, nil, scanDomain)
}

// Create inserts the domain, or gives ErrExists (ON CONFLICT DO NOTHING,
// which leaves the transaction usable).
func (r domains) Create(d store.Domain) error {
	if err := r.t.writable("create domain"); err != nil {
		return err
	}
	n, err := r.t.exec("create domain", `
		INSERT INTO domains (`+domainColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, 1)
		ON CONFLICT (name) DO NOTHING`,
		d.Name, d.Description, d.Mode, nonNil(d.Brokers), nonNil(d.Recipients), d.Created, nonNil(d.Keyring))
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("pgstore: domain %q: %w", d.Name, store.ErrExists)
	}
	return nil
}

// Update replaces everything but the name, and counts the revision up.
func (r domains) Update(d store.Domain) error {
	if err := r.t.writable("update domain"); err != nil {
		return err
	}
	n, err := r.t.exec("update domain", `
		UPDATE domains SET description = $2, mode = $3, brokers = $4, recipients = $5,
			created = $6, keyring = $7, revision = revision + 1
		WHERE name = $1`,
		d.Name, d.Description, d.Mode, nonNil(d.Brokers), nonNil(d.Recipients), d.Created, nonNil(d.Keyring))
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("pgstore: domain %q: %w", d.Name, store.ErrNotFound)
	}
	return nil
}
