package pgstore

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/server/store"
)

const recordColumns = `id, source, person, features, blocks`

func scanRecord(row pgx.CollectableRow) (store.IndexRecord, error) {
	var id, source, person int64
	var features []byte
	var blocks []int64
	if err := row.Scan(&id, &source, &person, &features, &blocks); err != nil {
		return store.IndexRecord{}, err
	}
	if id <= 0 || len(blocks) > store.MaxBlocks {
		return store.IndexRecord{}, corrupt("a person index record has a bad ID or too many blocking keys")
	}
	return store.IndexRecord{ID: u64(id), Source: u64(source), Person: u64(person),
		Features: orNil(features), Blocks: u64s(blocks)}, nil
}

func (ix personIndex) BySource(sources []uint64) (map[uint64]store.IndexRecord, error) {
	if len(sources) == 0 {
		return map[uint64]store.IndexRecord{}, nil
	}
	recs, err := query(ix.t, "read records by source",
		`SELECT `+recordColumns+` FROM index_records WHERE source = ANY($1)`, []any{i64s(sources)}, scanRecord)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]store.IndexRecord, len(recs))
	for _, r := range recs {
		out[r.Source] = r
	}
	return out, nil
}

func (ix personIndex) Records(ids []uint64) (map[uint64]store.IndexRecord, error) {
	if len(ids) == 0 {
		return map[uint64]store.IndexRecord{}, nil
	}
	recs, err := query(ix.t, "read records",
		`SELECT `+recordColumns+` FROM index_records WHERE id = ANY($1)`, []any{i64s(ids)}, scanRecord)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]store.IndexRecord, len(recs))
	for _, r := range recs {
		out[r.ID] = r
	}
	return out, nil
}

// BlockMembers reads all the keys in one query: for each key, a backward
// range scan of index_blocks' primary key, stopped after perBlock IDs,
// and gathered into an array, which keeps the newest-first order (rows of
// a join would need an ORDER BY, and a sort, to keep it).
func (ix personIndex) BlockMembers(blocks []uint64, perBlock int) (map[uint64][]uint64, error) {
	out := map[uint64][]uint64{}
	if len(blocks) == 0 || perBlock <= 0 {
		return out, nil
	}
	_, err := query(ix.t, "read block members", `
		SELECT k.block, ARRAY(SELECT b.id FROM index_blocks b WHERE b.block = k.block ORDER BY b.id DESC LIMIT $2)
		FROM unnest($1::bigint[]) AS k(block)`,
		[]any{i64s(distinct(blocks)), perBlock}, func(row pgx.CollectableRow) (struct{}, error) {
			var block int64
			var ids []int64
			if err := row.Scan(&block, &ids); err != nil {
				return struct{}{}, err
			}
			if len(ids) > 0 {
				out[u64(block)] = u64s(ids)
			}
			return struct{}{}, nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (ix personIndex) OfPerson(person uint64, limit int) ([]store.IndexRecord, error) {
	if limit <= 0 {
		return nil, nil
	}
	return query(ix.t, "read a person's records",
		`SELECT `+recordColumns+` FROM index_records WHERE person = $1 ORDER BY id LIMIT $2`,
		[]any{i64(person), limit}, scanRecord)
}

// Add writes the records and their block rows in one statement, which
// first looks for any of the IDs and sources among the stored records: if
// one is there, it writes nothing, and Add gives ErrExists with the
// transaction still usable. The records count is written at commit.
//
// The look-up counts matches rather than asking EXISTS: the planner,
// expecting a batch's worth of matches, would stop an EXISTS at the first
// one and so chooses a sequential scan, which finds none and reads the
// whole table; counting uses the indexes.
func (ix personIndex) Add(records []store.IndexRecord) error {
	if err := ix.t.writable("add records"); err != nil {
		return err
	}
	if len(records) == 0 {
		return nil
	}
	cols, err := columnsOf(records)
	if err != nil {
		return err
	}
	var clash bool
	err = ix.t.queryRow("add records", `
		WITH clash AS (
			SELECT (SELECT count(*) FROM index_records WHERE id = ANY($1))
			     + (SELECT count(*) FROM index_records WHERE source = ANY($2)) > 0 AS found
		), recs AS (
			INSERT INTO index_records (id, source, person, features, blocks)
			SELECT r.id, r.source, r.person, r.features, ($5::bigint[])[r.lo:r.hi]
			FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bytea[], $6::int[], $7::int[])
				AS r(id, source, person, features, lo, hi)
			WHERE NOT (SELECT found FROM clash)
		), blks AS (
			INSERT INTO index_blocks (block, id)
			SELECT * FROM unnest($8::bigint[], $9::bigint[])
			WHERE NOT (SELECT found FROM clash)
		)
		SELECT found FROM clash`,
		[]any{cols.ids, cols.sources, cols.persons, cols.features, cols.blocks, cols.lo, cols.hi, cols.blockKeys, cols.blockIDs},
		&clash)
	if err != nil {
		return err
	}
	if clash {
		return fmt.Errorf("pgstore: add records: a record ID or source is stored already: %w", store.ErrExists)
	}
	ix.t.count(int64(len(records)), 0)
	return nil
}

// recordArrays are a batch of records as the arrays that Add sends:
// blocks holds every record's keys one after the other, record i's from
// lo[i] to hi[i] (1-based and inclusive, as SQL's array slices);
// blockKeys and blockIDs are the rows of index_blocks.
type recordArrays struct {
	ids, sources, persons []int64
	features              [][]byte
	blocks                []int64
	lo, hi                []int32
	blockKeys, blockIDs   []int64
}

// columnsOf checks a batch and lays it out as arrays. A duplicate ID or
// source within the batch is ErrExists, as one already stored is.
func columnsOf(records []store.IndexRecord) (*recordArrays, error) {
	n := len(records)
	c := &recordArrays{ids: make([]int64, n), sources: make([]int64, n), persons: make([]int64, n),
		features: make([][]byte, n), lo: make([]int32, n), hi: make([]int32, n)}
	ids := make(map[uint64]bool, n)
	sources := make(map[uint64]bool, n)
	for i, r := range records {
		if r.ID == 0 {
			return nil, fmt.Errorf("pgstore: add records: record ID 0")
		}
		id, err := ordinal("record ID", r.ID)
		if err != nil {
			return nil, err
		}
		if ids[r.ID] || sources[r.Source] {
			return nil, fmt.Errorf("pgstore: add records: a record ID or source is twice in the batch: %w", store.ErrExists)
		}
		ids[r.ID], sources[r.Source] = true, true
		if len(r.Blocks) > store.MaxBlocks {
			return nil, fmt.Errorf("pgstore: add records: record %d has %d blocking keys, more than %d", r.ID, len(r.Blocks), store.MaxBlocks)
		}
		if len(distinct(r.Blocks)) != len(r.Blocks) {
			return nil, fmt.Errorf("pgstore: add records: record %d has a blocking key twice", r.ID)
		}
		c.ids[i], c.sources[i], c.persons[i], c.features[i] = id, i64(r.Source), i64(r.Person), nonNil(r.Features)
		c.lo[i] = int32(len(c.blocks) + 1)
		for _, b := range r.Blocks {
			c.blocks = append(c.blocks, i64(b))
			c.blockKeys = append(c.blockKeys, i64(b))
			c.blockIDs = append(c.blockIDs, id)
		}
		c.hi[i] = int32(len(c.blocks))
	}
	c.blocks, c.blockKeys, c.blockIDs = nonNil(c.blocks), nonNil(c.blockKeys), nonNil(c.blockIDs)
	return c, nil
}

// distinct returns keys without repeats, in first-seen order.
func distinct(keys []uint64) []uint64 {
	seen := make(map[uint64]bool, len(keys))
	out := make([]uint64, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

func (ix personIndex) SetPerson(id, person uint64) error {
	if err := ix.t.writable("move a record"); err != nil {
		return err
	}
	rid, err := ordinal("record ID", id)
	if err != nil {
		return err
	}
	n, err := ix.t.exec("move a record", `UPDATE index_records SET person = $2 WHERE id = $1`, rid, i64(person))
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("pgstore: move record %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// DeleteRecords deletes each record, its block rows and its review item.
func (ix personIndex) DeleteRecords(ids []uint64) error {
	if err := ix.t.writable("delete records"); err != nil {
		return err
	}
	for _, id := range ids {
		rid, err := ordinal("record ID", id)
		if err != nil {
			return fmt.Errorf("pgstore: delete record %d: %w", id, store.ErrNotFound)
		}
		var blocks []int64
		if err := ix.t.queryRow("delete a record", `DELETE FROM index_records WHERE id = $1 RETURNING blocks`, []any{rid}, &blocks); err != nil {
			return err
		}
		if _, err := ix.t.exec("delete a record's blocks", `DELETE FROM index_blocks WHERE block = ANY($1::bigint[]) AND id = $2`, blocks, rid); err != nil {
			return err
		}
		if _, err := ix.t.exec("delete a record's review", `DELETE FROM index_reviews WHERE record = $1`, rid); err != nil {
			return err
		}
		if _, err := ix.t.exec("delete a record's sealed source", `DELETE FROM index_reid_sources WHERE id = $1`, rid); err != nil {
			return err
		}
		ix.t.count(-1, 0)
	}
	return nil
}
