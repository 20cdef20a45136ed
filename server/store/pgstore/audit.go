package pgstore

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/server/store"
)

type auditLog struct{ t *tx }

const lastAuditEntry = `SELECT seq, data FROM audit_log ORDER BY seq DESC LIMIT 1`

// Last returns the last entry. In Update it first takes the advisory lock
// on the end of the log, and reads in the next statement, whose snapshot
// is newer than the lock: an entry that another server appended while we
// waited is then the one we see. Both go in one round trip.
func (l auditLog) Last() (store.AuditEntry, error) {
	l.t.mu.Lock()
	defer l.t.mu.Unlock()
	var seq int64
	var data []byte
	var err error
	if l.t.readOnly {
		err = l.t.pg.QueryRow(l.t.ctx, lastAuditEntry).Scan(&seq, &data)
	} else {
		var b pgx.Batch
		b.Queue(`SELECT pg_advisory_xact_lock($1)`, auditLockKey)
		b.Queue(lastAuditEntry).QueryRow(func(row pgx.Row) error { return row.Scan(&seq, &data) })
		err = l.t.pg.SendBatch(l.t.ctx, &b).Close()
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return store.AuditEntry{}, nil
	}
	if err != nil {
		return store.AuditEntry{}, wrap("read the audit log's end", err)
	}
	if seq <= 0 {
		return store.AuditEntry{}, corrupt("an audit entry's sequence number is not positive")
	}
	return store.AuditEntry{Seq: u64(seq), Data: orNil(data)}, nil
}

// Append inserts e if its Seq follows the last stored, which the statement
// itself checks, so that a wrong Seq is an error that leaves the
// transaction usable.
func (l auditLog) Append(e store.AuditEntry) error {
	if err := l.t.writable("append to the audit log"); err != nil {
		return err
	}
	seq, err := ordinal("audit sequence number", e.Seq)
	if err != nil {
		return err
	}
	n, err := l.t.exec("append to the audit log", `
		INSERT INTO audit_log (seq, data)
		SELECT $1, $2 WHERE $1 = (SELECT coalesce(max(seq), 0) + 1 FROM audit_log)`,
		seq, nonNil(e.Data))
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("pgstore: audit entry %d does not follow the last in the log", e.Seq)
	}
	return nil
}

// scanPage is how many entries Scan reads at a time: memory stays bounded
// however long the log, and fn runs while no query is open, so that it
// may use the transaction.
const scanPage = 1000

func (l auditLog) Scan(from uint64, fn func(store.AuditEntry) error) error {
	next, ok := after(from)
	if !ok {
		return nil
	}
	next = max(next-1, 0) // after the one before from
	for {
		page, err := query(l.t, "scan the audit log", `SELECT seq, data FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
			[]any{next, scanPage}, func(row pgx.CollectableRow) (store.AuditEntry, error) {
				var seq int64
				var data []byte
				err := row.Scan(&seq, &data)
				return store.AuditEntry{Seq: u64(seq), Data: orNil(data)}, err
			})
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < scanPage {
			return nil
		}
		next = int64(page[len(page)-1].Seq)
	}
}

// AppendHashes inserts the hashes in one statement, none if any index is
// stored already. ON CONFLICT DO NOTHING leaves the transaction usable
// then too, and the count of inserted rows tells.
func (l auditLog) AppendHashes(first uint64, hashes []store.AuditHash) error {
	if err := l.t.writable("append audit tree hashes"); err != nil {
		return err
	}
	if len(hashes) == 0 {
		return nil
	}
	// The last index must fit too; the others are below it.
	if _, err := ordinal("audit tree hash index", first+uint64(len(hashes)-1)); err != nil {
		return err
	}
	start := int64(first)
	data := make([][]byte, len(hashes))
	for i := range hashes {
		data[i] = hashes[i][:]
	}
	n, err := l.t.exec("append audit tree hashes", `
		INSERT INTO audit_hashes (idx, hash)
		SELECT $1 + ord - 1, h FROM unnest($2::bytea[]) WITH ORDINALITY AS u(h, ord)
		WHERE NOT EXISTS (SELECT 1 FROM audit_hashes WHERE idx BETWEEN $1 AND $1 + $3 - 1)
		ON CONFLICT (idx) DO NOTHING`, start, data, len(hashes))
	if err != nil {
		return err
	}
	if n != int64(len(hashes)) {
		return fmt.Errorf("pgstore: audit tree hashes from %d: %w", first, store.ErrExists)
	}
	return nil
}

func (l auditLog) Hashes(indexes []uint64) ([]store.AuditHash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	type row struct {
		idx  int64
		hash []byte
	}
	rows, err := query(l.t, "read audit tree hashes", `SELECT idx, hash FROM audit_hashes WHERE idx = ANY($1)`,
		[]any{i64s(indexes)}, func(r pgx.CollectableRow) (row, error) {
			var x row
			err := r.Scan(&x.idx, &x.hash)
			return x, err
		})
	if err != nil {
		return nil, err
	}
	byIndex := make(map[uint64][]byte, len(rows))
	for _, r := range rows {
		byIndex[u64(r.idx)] = r.hash
	}
	out := make([]store.AuditHash, len(indexes))
	for i, index := range indexes {
		h, ok := byIndex[index]
		if !ok {
			return nil, fmt.Errorf("pgstore: audit tree hash %d: %w", index, store.ErrNotFound)
		}
		if len(h) != len(out[i]) {
			return nil, corrupt("an audit tree hash is not 32 bytes")
		}
		copy(out[i][:], h)
	}
	return out, nil
}
