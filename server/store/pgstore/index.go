package pgstore

import (
	"fmt"

	"github.com/ttpnl/ttp/server/store"
)

// personIndex is the person index over a transaction. Its methods are in
// files by concern: this one has the lock, IDs and counts; records.go the
// records; reviews.go and changes.go the review items and the change log.
type personIndex struct{ t *tx }

// Lock takes the registration lock, an advisory lock that the
// transaction's end releases. In View there is nothing to register: it
// gives ErrReadOnly.
func (ix personIndex) Lock() error {
	if err := ix.t.writable("lock the person index"); err != nil {
		return err
	}
	_, err := ix.t.exec("lock the person index", `SELECT pg_advisory_xact_lock($1)`, indexLockKey)
	return err
}

// ReserveIDs counts the next_record_id counter up by n. Its row stays
// locked until the transaction ends, so IDs grow in commit order.
func (ix personIndex) ReserveIDs(n int) (uint64, error) {
	if err := ix.t.writable("reserve record IDs"); err != nil {
		return 0, err
	}
	if n <= 0 {
		return 0, fmt.Errorf("pgstore: reserve %d record IDs: not a positive number", n)
	}
	var first int64
	err := ix.t.queryRow("reserve record IDs", `
		UPDATE index_counters SET value = value + $1 WHERE name = 'next_record_id'
		RETURNING value - $1`, []any{int64(n)}, &first)
	if err != nil {
		return 0, err
	}
	if first <= 0 {
		return 0, corrupt("the next record ID is not positive")
	}
	return u64(first), nil
}

// ReservePersonIDs counts the next_person_id counter up by n, as
// ReserveIDs does next_record_id, and in the same round trip looks for a
// person recorded in the range: a store's persons from before reserved IDs
// have random ones, and AddPersons takes any ID. Until a range is free, it
// moves past the last one found.
func (ix personIndex) ReservePersonIDs(n int) (uint64, error) {
	const op = "reserve person IDs"
	if err := ix.t.writable(op); err != nil {
		return 0, err
	}
	if n <= 0 {
		return 0, fmt.Errorf("pgstore: reserve %d person IDs: not a positive number", n)
	}
	var first int64
	var last *int64
	err := ix.t.queryRow(op, `
		WITH reserved AS (
			UPDATE index_counters SET value = value + $1 WHERE name = 'next_person_id'
			RETURNING value - $1 AS first)
		SELECT first, (SELECT max(person) FROM index_persons WHERE person >= first AND person < first + $1)
		FROM reserved`, []any{int64(n)}, &first, &last)
	if err != nil {
		return 0, err
	}
	if first <= 0 {
		return 0, corrupt("the next person ID is not positive")
	}
	if last == nil {
		return u64(first), nil
	}
	for last != nil {
		first = *last + 1
		err := ix.t.queryRow(op, `SELECT max(person) FROM index_persons WHERE person >= $1 AND person < $1 + $2`,
			[]any{first, int64(n)}, &last)
		if err != nil {
			return 0, err
		}
	}
	if _, err := ix.t.exec(op, `UPDATE index_counters SET value = $1 WHERE name = 'next_person_id'`, first+int64(n)); err != nil {
		return 0, err
	}
	return u64(first), nil
}

// AddPersons records the persons in index_persons in one statement; ON
// CONFLICT DO NOTHING makes a recorded one ErrExists (fewer rows inserted
// than asked) with the transaction still usable. The count is written just
// before commit.
func (ix personIndex) AddPersons(persons ...uint64) error {
	if err := ix.t.writable("add persons"); err != nil {
		return err
	}
	if len(persons) == 0 {
		return nil
	}
	ids := make([]int64, len(persons))
	for i, p := range persons {
		ids[i] = i64(p)
	}
	n, err := ix.t.exec("add persons", `INSERT INTO index_persons (person) SELECT unnest($1::bigint[]) ON CONFLICT DO NOTHING`, ids)
	if err != nil {
		return err
	}
	ix.t.count(0, n)
	if n != int64(len(persons)) {
		return fmt.Errorf("pgstore: add persons: %w", store.ErrExists)
	}
	return nil
}

func (ix personIndex) RemovePerson(person uint64) error {
	if err := ix.t.writable("remove a person"); err != nil {
		return err
	}
	n, err := ix.t.exec("remove a person", `DELETE FROM index_persons WHERE person = $1`, i64(person))
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("pgstore: remove a person: %w", store.ErrNotFound)
	}
	ix.t.count(0, -1)
	return nil
}

// Stats reads the counters, plus what this transaction changed and has
// not written yet.
func (ix personIndex) Stats() (store.IndexStats, error) {
	var s store.IndexStats
	err := ix.t.queryRow("count the person index", `
		SELECT (SELECT value FROM index_counters WHERE name = 'records'),
		       (SELECT value FROM index_counters WHERE name = 'persons')`, nil, &s.Records, &s.Persons)
	if err != nil {
		return s, err
	}
	records, persons := ix.t.counted()
	s.Records += records
	s.Persons += persons
	return s, nil
}
