package pgstore

import (
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/server/store"
)

// models is store.LinkageModels, in the linkage_models table.
type models struct{ t *tx }

func (m models) List() ([]store.LinkageModel, error) {
	return query(m.t, "list linkage models", `SELECT version, data, created, active FROM linkage_models ORDER BY version`, nil,
		func(row pgx.CollectableRow) (store.LinkageModel, error) {
			var lm store.LinkageModel
			var v int64
			err := row.Scan(&v, &lm.Data, &lm.Created, &lm.Active)
			lm.Version, lm.Data, lm.Created = u64(v), orNil(lm.Data), lm.Created.UTC()
			return lm, err
		})
}

func (m models) Create(data []byte, created time.Time) (uint64, error) {
	if err := m.t.writable("create linkage model"); err != nil {
		return 0, err
	}
	var v int64
	err := m.t.queryRow("create linkage model", `INSERT INTO linkage_models (data, created) VALUES ($1, $2) RETURNING version`,
		[]any{nonNil(data), created}, &v)
	return u64(v), err
}

// Activate clears the active version and sets the new one, in the
// caller's transaction (the unique index allows one active row).
func (m models) Activate(version uint64) error {
	if err := m.t.writable("activate linkage model"); err != nil {
		return err
	}
	v, err := ordinal("linkage model", version)
	if err != nil {
		return notFound("linkage model")
	}
	var exists bool
	if err := m.t.queryRow("activate linkage model", `SELECT EXISTS (SELECT 1 FROM linkage_models WHERE version = $1)`, []any{v}, &exists); err != nil {
		return err
	}
	if !exists {
		return notFound("linkage model")
	}
	if _, err := m.t.exec("activate linkage model", `UPDATE linkage_models SET active = false WHERE active AND version <> $1`, v); err != nil {
		return err
	}
	_, err = m.t.exec("activate linkage model", `UPDATE linkage_models SET active = true WHERE version = $1`, v)
	return err
}
