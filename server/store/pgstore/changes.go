package pgstore

import (
	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/server/store"
)

const changeColumns = `seq, at, kind, from_person, to_person`

func scanChange(row pgx.CollectableRow) (store.PersonChange, error) {
	var seq, from, to int64
	var kind int16
	var c store.PersonChange
	if err := row.Scan(&seq, &c.Time, &kind, &from, &to); err != nil {
		return c, err
	}
	if seq <= 0 || kind < 0 || kind > 255 {
		return c, corrupt("a person change has a bad sequence number or kind")
	}
	c.Seq, c.Kind, c.From, c.To, c.Time = u64(seq), uint8(kind), u64(from), u64(to), c.Time.UTC()
	return c, nil
}

// AppendChange takes the next sequence number from the last_change counter
// and inserts the change, in one statement. The counter's row stays locked
// until the transaction ends, so sequence numbers follow commit order. It
// returns the change as stored (its time to the microsecond, in UTC).
func (ix personIndex) AppendChange(c store.PersonChange) (store.PersonChange, error) {
	if err := ix.t.writable("log a person change"); err != nil {
		return store.PersonChange{}, err
	}
	changes, err := query(ix.t, "log a person change", `
		WITH n AS (
			UPDATE index_counters SET value = value + 1 WHERE name = 'last_change' RETURNING value
		)
		INSERT INTO person_changes (`+changeColumns+`)
		SELECT n.value, $1, $2, $3, $4 FROM n
		RETURNING `+changeColumns,
		[]any{c.Time, int16(c.Kind), i64(c.From), i64(c.To)}, scanChange)
	if err != nil {
		return store.PersonChange{}, err
	}
	if len(changes) != 1 {
		return store.PersonChange{}, corrupt("the last_change counter is missing")
	}
	return changes[0], nil
}

func (ix personIndex) Changes(afterSeq uint64, limit int) ([]store.PersonChange, error) {
	bound, ok := after(afterSeq)
	if !ok || limit <= 0 {
		return nil, nil
	}
	return query(ix.t, "list person changes",
		`SELECT `+changeColumns+` FROM person_changes WHERE seq > $1 ORDER BY seq LIMIT $2`,
		[]any{bound, limit}, scanChange)
}
