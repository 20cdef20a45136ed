package pgstore

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/server/store"
)

// requests is store.LinkageRequests, in the linkage_requests table.
type requests struct{ t *tx }

const requestColumns = `id, data, revision`

func scanRequest(row pgx.CollectableRow) (store.LinkageRequest, error) {
	var q store.LinkageRequest
	var id, revision int64
	if err := row.Scan(&id, &q.Data, &revision); err != nil {
		return q, err
	}
	if id <= 0 || revision <= 0 {
		return q, corrupt("a linkage request's ID or revision is not positive")
	}
	q.ID, q.Revision, q.Data = u64(id), u64(revision), orNil(q.Data)
	return q, nil
}

// Get reads the request; in Update it locks the row (FOR UPDATE) until
// the transaction ends.
func (r requests) Get(id uint64) (store.LinkageRequest, error) {
	n, err := ordinal("linkage request ID", id)
	if err != nil {
		return store.LinkageRequest{}, notFound("linkage request")
	}
	sql := `SELECT ` + requestColumns + ` FROM linkage_requests WHERE id = $1`
	if !r.t.readOnly {
		sql += ` FOR UPDATE`
	}
	qs, err := query(r.t, "get linkage request", sql, []any{n}, scanRequest)
	if err != nil {
		return store.LinkageRequest{}, err
	}
	if len(qs) == 0 {
		return store.LinkageRequest{}, notFound("linkage request")
	}
	return qs[0], nil
}

func (r requests) List() ([]store.LinkageRequest, error) {
	return query(r.t, "list linkage requests", `SELECT `+requestColumns+` FROM linkage_requests ORDER BY id`, nil, scanRequest)
}

func (r requests) Create(data []byte) (uint64, error) {
	if err := r.t.writable("create linkage request"); err != nil {
		return 0, err
	}
	var id int64
	if err := r.t.queryRow("create linkage request", `INSERT INTO linkage_requests (data, revision) VALUES ($1, 1) RETURNING id`,
		[]any{nonNil(data)}, &id); err != nil {
		return 0, err
	}
	return u64(id), nil
}

func (r requests) Update(q store.LinkageRequest) error {
	if err := r.t.writable("update linkage request"); err != nil {
		return err
	}
	n, err := ordinal("linkage request ID", q.ID)
	if err != nil {
		return notFound("linkage request")
	}
	done, err := r.t.exec("update linkage request", `UPDATE linkage_requests SET data = $2, revision = revision + 1 WHERE id = $1`,
		n, nonNil(q.Data))
	if err != nil {
		return err
	}
	if done == 0 {
		return notFound("linkage request")
	}
	return nil
}

func notFound(what string) error { return fmt.Errorf("pgstore: %s: %w", what, store.ErrNotFound) }
