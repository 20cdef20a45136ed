package pgstore

import (
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/server/store"
)

// AddHistory inserts the record as the source's next version; the index
// lock (registration's) serialises the numbering.
func (ix personIndex) AddHistory(r store.IndexRecord, withdrawn time.Time) (int, error) {
	if err := ix.t.writable("keep record history"); err != nil {
		return 0, err
	}
	var version int
	err := ix.t.queryRow("keep record history", `
		INSERT INTO index_history (source, version, withdrawn, id, person, features, blocks)
		SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6 FROM index_history WHERE source = $1
		RETURNING version`,
		[]any{i64(r.Source), withdrawn, i64(r.ID), i64(r.Person), nonNil(r.Features), i64s(r.Blocks)}, &version)
	return version, err
}

func (ix personIndex) History(source uint64) ([]store.HistoryEntry, error) {
	return query(ix.t, "read record history", `
		SELECT version, withdrawn, id, source, person, features, blocks FROM index_history WHERE source = $1 ORDER BY version`,
		[]any{i64(source)}, func(row pgx.CollectableRow) (store.HistoryEntry, error) {
			var e store.HistoryEntry
			var id, src, person int64
			var blocks []int64
			if err := row.Scan(&e.Version, &e.Withdrawn, &id, &src, &person, &e.Record.Features, &blocks); err != nil {
				return e, err
			}
			e.Withdrawn = e.Withdrawn.UTC()
			e.Record.ID, e.Record.Source, e.Record.Person, e.Record.Blocks = u64(id), u64(src), u64(person), u64s(blocks)
			e.Record.Features = orNil(e.Record.Features)
			return e, nil
		})
}
