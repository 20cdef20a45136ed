package pgstore

import "github.com/jackc/pgx/v5"

// AddToDomain inserts the persons the domain lacks, in one statement.
func (ix personIndex) AddToDomain(domain uint64, persons []uint64) error {
	if err := ix.t.writable("add domain members"); err != nil {
		return err
	}
	if len(persons) == 0 {
		return nil
	}
	_, err := ix.t.exec("add domain members",
		`INSERT INTO index_domain_members (domain, person) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
		i64(domain), i64s(persons))
	return err
}

func (ix personIndex) InDomain(domain uint64, persons []uint64) (map[uint64]bool, error) {
	out := make(map[uint64]bool, len(persons))
	if len(persons) == 0 {
		return out, nil
	}
	found, err := query(ix.t, "read domain members",
		`SELECT person FROM index_domain_members WHERE domain = $1 AND person = ANY($2::bigint[])`,
		[]any{i64(domain), i64s(persons)}, func(row pgx.CollectableRow) (int64, error) {
			var p int64
			return p, row.Scan(&p)
		})
	for _, p := range found {
		out[u64(p)] = true
	}
	return out, err
}

func (ix personIndex) SetObjected(person uint64, objected bool) error {
	if err := ix.t.writable("record an objection"); err != nil {
		return err
	}
	sql := `DELETE FROM index_objections WHERE person = $1`
	if objected {
		sql = `INSERT INTO index_objections (person) VALUES ($1) ON CONFLICT DO NOTHING`
	}
	_, err := ix.t.exec("record an objection", sql, i64(person))
	return err
}

func (ix personIndex) Objected(persons []uint64) (map[uint64]bool, error) {
	out := make(map[uint64]bool)
	if len(persons) == 0 {
		return out, nil
	}
	found, err := query(ix.t, "read objections", `SELECT person FROM index_objections WHERE person = ANY($1::bigint[])`,
		[]any{i64s(persons)}, func(row pgx.CollectableRow) (int64, error) {
			var p int64
			return p, row.Scan(&p)
		})
	for _, p := range found {
		out[u64(p)] = true
	}
	return out, err
}

func (ix personIndex) PutReidSources(sealed map[uint64][]byte) error {
	if err := ix.t.writable("write re-identification sources"); err != nil {
		return err
	}
	if len(sealed) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(sealed))
	blobs := make([][]byte, 0, len(sealed))
	for id, b := range sealed {
		ids, blobs = append(ids, i64(id)), append(blobs, nonNil(b))
	}
	_, err := ix.t.exec("write re-identification sources", `
		INSERT INTO index_reid_sources (id, sealed) SELECT * FROM unnest($1::bigint[], $2::bytea[])
		ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed`, ids, blobs)
	return err
}

func (ix personIndex) ReidSources(ids []uint64) (map[uint64][]byte, error) {
	out := make(map[uint64][]byte)
	if len(ids) == 0 {
		return out, nil
	}
	type row struct {
		id     int64
		sealed []byte
	}
	rows, err := query(ix.t, "read re-identification sources", `SELECT id, sealed FROM index_reid_sources WHERE id = ANY($1::bigint[])`,
		[]any{i64s(ids)}, func(r pgx.CollectableRow) (row, error) {
			var x row
			return x, r.Scan(&x.id, &x.sealed)
		})
	for _, r := range rows {
		out[u64(r.id)] = r.sealed
	}
	return out, err
}
