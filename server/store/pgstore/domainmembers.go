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
