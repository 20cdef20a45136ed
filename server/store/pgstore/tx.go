package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/server/store"
)

// tx is one transaction and the repositories over it.
type tx struct {
	ctx      context.Context
	pg       pgx.Tx
	readOnly bool

	// mu lets one statement at a time use the connection, which is all a
	// connection can do, so that the repositories are safe for concurrent
	// use.
	mu sync.Mutex
	// Changes to IndexStats not yet written to index_counters: they are
	// written once, just before commit (flushCounters), rather than by an
	// UPDATE per Add or new person.
	records, persons int64
}

func (t *tx) Domains() store.Domains          { return domains{t} }
func (t *tx) Recipients() store.Recipients    { return recipients{t} }
func (t *tx) Requests() store.LinkageRequests { return requests{t} }
func (t *tx) Models() store.LinkageModels     { return models{t} }
func (t *tx) Keyrings() store.Keyrings        { return keyrings{t} }
func (t *tx) Audit() store.AuditLog           { return auditLog{t} }
func (t *tx) Index() store.PersonIndex        { return personIndex{t} }

// writable refuses a write in View before it reaches the database.
func (t *tx) writable(op string) error {
	if t.readOnly {
		return fmt.Errorf("pgstore: %s: %w", op, store.ErrReadOnly)
	}
	return nil
}

// exec runs a statement and returns how many rows it changed.
func (t *tx) exec(op, sql string, args ...any) (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tag, err := t.pg.Exec(t.ctx, sql, args...)
	if err != nil {
		return 0, wrap(op, err)
	}
	return tag.RowsAffected(), nil
}

// queryRow runs a query for one row and scans it into dest; no row gives
// store.ErrNotFound.
func (t *tx) queryRow(op, sql string, args []any, dest ...any) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	err := t.pg.QueryRow(t.ctx, sql, args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("pgstore: %s: %w", op, store.ErrNotFound)
	}
	return wrap(op, err)
}

// query runs a query and collects its rows, each turned into a T by scan.
func query[T any](t *tx, op, sql string, args []any, scan func(pgx.CollectableRow) (T, error)) ([]T, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rows, err := t.pg.Query(t.ctx, sql, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// count notes changes to the counts, to be written at commit.
func (t *tx) count(records, persons int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.records += records
	t.persons += persons
}

// counted returns the changes to the counts not yet written.
func (t *tx) counted() (records, persons int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.records, t.persons
}

// flushCounters writes the counts that this transaction changed.
func (t *tx) flushCounters() error {
	if t.records == 0 && t.persons == 0 {
		return nil
	}
	_, err := t.exec("count records and persons", `
		UPDATE index_counters c SET value = c.value + d.delta
		FROM unnest($1::text[], $2::bigint[]) AS d(name, delta)
		WHERE c.name = d.name AND d.delta <> 0`,
		[]string{"records", "persons"}, []int64{t.records, t.persons})
	return err
}
