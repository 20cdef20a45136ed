package pgstore

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/server/store"
)

const reviewColumns = `record, candidate, score_milli, pattern`

func scanReview(row pgx.CollectableRow) (store.ReviewItem, error) {
	var record, candidate int64
	var r store.ReviewItem
	if err := row.Scan(&record, &candidate, &r.ScoreMilli, &r.Pattern); err != nil {
		return r, err
	}
	r.Record, r.Candidate, r.Pattern = u64(record), u64(candidate), orNil(r.Pattern)
	return r, nil
}

func (ix personIndex) PutReview(r store.ReviewItem) error {
	if err := ix.t.writable("put a review item"); err != nil {
		return err
	}
	record, err := ordinal("record ID", r.Record)
	if err != nil {
		return err
	}
	_, err = ix.t.exec("put a review item", `
		INSERT INTO index_reviews (`+reviewColumns+`) VALUES ($1, $2, $3, $4)
		ON CONFLICT (record) DO UPDATE SET candidate = excluded.candidate,
			score_milli = excluded.score_milli, pattern = excluded.pattern`,
		record, i64(r.Candidate), r.ScoreMilli, nonNil(r.Pattern))
	return err
}

func (ix personIndex) Review(record uint64) (store.ReviewItem, error) {
	rec, err := ordinal("record ID", record)
	if err != nil {
		return store.ReviewItem{}, err
	}
	items, err := query(ix.t, "read a review item",
		`SELECT `+reviewColumns+` FROM index_reviews WHERE record = $1`, []any{rec}, scanReview)
	if err != nil {
		return store.ReviewItem{}, err
	}
	if len(items) == 0 {
		return store.ReviewItem{}, fmt.Errorf("pgstore: review item of record %d: %w", record, store.ErrNotFound)
	}
	return items[0], nil
}

func (ix personIndex) DeleteReview(record uint64) error {
	if err := ix.t.writable("delete a review item"); err != nil {
		return err
	}
	rec, err := ordinal("record ID", record)
	if err != nil {
		return err
	}
	_, err = ix.t.exec("delete a review item", `DELETE FROM index_reviews WHERE record = $1`, rec)
	return err
}

func (ix personIndex) Reviews(afterRecord uint64, limit int) ([]store.ReviewItem, error) {
	bound, ok := after(afterRecord)
	if !ok || limit <= 0 {
		return nil, nil
	}
	return query(ix.t, "list review items",
		`SELECT `+reviewColumns+` FROM index_reviews WHERE record > $1 ORDER BY record LIMIT $2`,
		[]any{bound, limit}, scanReview)
}
