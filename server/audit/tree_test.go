package audit_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/ttpnl/ttp/checkpoint"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/store"
)

// rfc6962Root is the Merkle tree hash of RFC 6962 section 2.1, computed
// from the records directly, to check the stored tree against.
func rfc6962Root(leaves [][]byte) tlog.Hash {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, leaves[0]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := rfc6962Root(leaves[:k]), rfc6962Root(leaves[k:])
	return sha256.Sum256(slicesConcat([]byte{1}, l[:], r[:]))
}

func slicesConcat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// heads appends n records one by one and returns the tree after each
// (heads[i] has i records) with the records' stored bytes.
func heads(t *testing.T, l *audit.Log, st store.Store, n int) []audit.Tree {
	t.Helper()
	out := []audit.Tree{head(t, l)}
	for i := range n {
		appendN(t, l, 1, fmt.Sprint("d", i))
		out = append(out, head(t, l))
	}
	var raws [][]byte
	for _, s := range all(t, st) {
		raws = append(raws, s.raw)
	}
	for size, h := range out {
		if want := rfc6962Root(raws[:size]); h.Size != uint64(size) || h.Hash != want {
			t.Fatalf("head at %d records: %d %v, want %d %v (RFC 6962 from the records)", size, h.Size, h.Hash, size, want)
		}
	}
	return out
}

func head(t *testing.T, l *audit.Log) audit.Tree {
	t.Helper()
	h, err := l.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func cp(h audit.Tree) checkpoint.Checkpoint {
	return checkpoint.Checkpoint{Origin: "test-log", Size: h.Size, Hash: h.Hash}
}

// Every tree of the log proves that every later one extends it, and every
// record is proved in every tree that holds it; a proof against the wrong
// tree, or of another record, fails.
func TestProofs(t *testing.T) {
	db := openStore(t, t.TempDir())
	defer db.Close()
	l := openLog(t, db)
	const n = 19
	hs := heads(t, l, db, n)
	recs := all(t, db)
	for older := range n + 1 {
		for newer := older; newer <= n; newer++ {
			proof, err := l.ProveConsistency(ctx, uint64(older), uint64(newer))
			if err != nil {
				t.Fatalf("ProveConsistency(%d, %d): %v", older, newer, err)
			}
			if err := checkpoint.CheckConsistency(cp(hs[older]), cp(hs[newer]), proof); err != nil {
				t.Errorf("consistency %d → %d: %v", older, newer, err)
			}
			if older > 0 && older < newer {
				wrong := hs[older]
				wrong.Hash[0] ^= 1
				if err := checkpoint.CheckConsistency(cp(wrong), cp(hs[newer]), proof); !errors.Is(err, checkpoint.ErrInconsistent) {
					t.Errorf("consistency %d → %d from a changed root: %v, want ErrInconsistent", older, newer, err)
				}
			}
		}
	}
	for size := 1; size <= n; size++ {
		for seq := 1; seq <= size; seq++ {
			raw, proof, err := l.ProveInclusion(ctx, uint64(seq), uint64(size))
			if err != nil {
				t.Fatalf("ProveInclusion(%d, %d): %v", seq, size, err)
			}
			if !bytes.Equal(raw, recs[seq-1].raw) {
				t.Fatalf("ProveInclusion(%d, %d) gave another record", seq, size)
			}
			if err := checkpoint.CheckInclusion(cp(hs[size]), uint64(seq), raw, proof); err != nil {
				t.Errorf("inclusion of %d in %d: %v", seq, size, err)
			}
			other := recs[seq%size].raw
			if seq%size != seq-1 {
				if err := checkpoint.CheckInclusion(cp(hs[size]), uint64(seq), other, proof); !errors.Is(err, checkpoint.ErrInconsistent) {
					t.Errorf("inclusion of another record as %d in %d: %v, want ErrInconsistent", seq, size, err)
				}
			}
		}
	}
	// Beyond the log.
	if _, err := l.ProveConsistency(ctx, 1, n+1); !errors.Is(err, audit.ErrBeyond) {
		t.Errorf("ProveConsistency beyond the log: %v", err)
	}
	if _, _, err := l.ProveInclusion(ctx, 1, n+1); !errors.Is(err, audit.ErrBeyond) {
		t.Errorf("ProveInclusion beyond the log: %v", err)
	}
	if _, _, err := l.ProveInclusion(ctx, 0, n); err == nil {
		t.Error("ProveInclusion of record 0 succeeded")
	}
}

// Every range of every tree of the log proves, from the store as ttpd
// keeps it; a range beyond the log is refused as ProveInclusion's is.
func TestProveRange(t *testing.T) {
	db := openStore(t, t.TempDir())
	defer db.Close()
	l := openLog(t, db)
	const n = 13
	hs := heads(t, l, db, n)
	recs := all(t, db)
	for size := 1; size <= n; size++ {
		for first := 1; first <= size; first++ {
			for last := first; last <= size; last++ {
				raws, proof, err := l.ProveRange(ctx, uint64(first), uint64(last), uint64(size))
				if err != nil {
					t.Fatalf("ProveRange(%d, %d, %d): %v", first, last, size, err)
				}
				if len(raws) != last-first+1 || !bytes.Equal(raws[0], recs[first-1].raw) {
					t.Fatalf("ProveRange(%d, %d, %d) gave %d records, or others", first, last, size, len(raws))
				}
				if err := checkpoint.CheckRange(cp(hs[size]), uint64(first), raws, proof); err != nil {
					t.Errorf("range %d..%d in %d: %v", first, last, size, err)
				}
			}
		}
	}
	if _, _, err := l.ProveRange(ctx, 1, 2, n+1); !errors.Is(err, audit.ErrBeyond) {
		t.Errorf("ProveRange beyond the log: %v", err)
	}
	if _, _, err := l.ProveRange(ctx, 3, 2, n); err == nil {
		t.Error("ProveRange of 3..2 succeeded")
	}
}

// attacker is what someone with the store (and the KEK) can do to a
// Badger log between two server runs: put back a copy of the store as it
// was (a truncation), then append records of their own through the real
// API, chained and hashed as ttpd does (a rewrite of the tail).
func TestCheckpointDetectsTruncationAndRewrite(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "live")
	db := openStore(t, live)
	appendN(t, openLog(t, db), 6, "genuine")
	db.Close()
	backup := filepath.Join(dir, "backup") // the store at 6 records
	if err := os.CopyFS(backup, os.DirFS(live)); err != nil {
		t.Fatal(err)
	}
	db = openStore(t, live)
	l := openLog(t, db)
	appendN(t, l, 4, "genuine later")
	kept := cp(head(t, l)) // the committee's checkpoint: 10 records
	db.Close()

	for _, c := range []struct {
		name   string
		forged int // records the attacker appends to the backup
		want   string
	}{
		{"truncated", 0, "fewer than the 10 of the checkpoint"},
		{"truncated and grown back", 4, "records were changed or removed"},
		{"truncated and grown past", 9, "records were changed or removed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tampered := filepath.Join(t.TempDir(), "store")
			if err := os.CopyFS(tampered, os.DirFS(backup)); err != nil {
				t.Fatal(err)
			}
			db := openStore(t, tampered)
			defer db.Close()
			l := openLog(t, db)
			appendN(t, l, c.forged, "forged")
			// Without a checkpoint, the log looks whole.
			if n, err := audit.Verify(ctx, db); err != nil || n != uint64(6+c.forged) {
				t.Fatalf("Verify of the tampered log: %d, %v; want it to pass with %d records", n, err, 6+c.forged)
			}
			now := cp(head(t, l))
			err := consistency(l, kept, now)
			if !errors.Is(err, checkpoint.ErrInconsistent) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("checkpoint of 10 against the tampered log of %d: %v; want ErrInconsistent, %q", now.Size, err, c.want)
			}
		})
	}
}

// consistency asks l for the proof from older to newer and checks it, as
// ttp audit verify does.
func consistency(l *audit.Log, older, newer checkpoint.Checkpoint) error {
	if newer.Size < older.Size {
		return checkpoint.CheckConsistency(older, newer, nil)
	}
	proof, err := l.ProveConsistency(ctx, older.Size, newer.Size)
	if err != nil {
		return err
	}
	return checkpoint.CheckConsistency(older, newer, proof)
}

// What the store interface lets anyone with the store do behind ttpd's
// back: VerifyTree finds each, and no record is appended after one.
func TestBrokenTree(t *testing.T) {
	// A record that chains to the last: only the tree tells it apart.
	forge := func(raws [][]byte) []byte {
		return fmt.Appendf(nil, `{"seq":4,"principal":"mallory","action":"Forged","outcome":"ok","prev":%q}`, sha(raws[2]))
	}
	cases := []struct {
		name   string
		tamper func(tx store.Tx, raws [][]byte) error
		want   string
	}{
		{"a record appended without tree hashes", func(tx store.Tx, raws [][]byte) error {
			return tx.Audit().Append(store.AuditEntry{Seq: 4, Data: forge(raws)})
		}, "records among 1..4 have no tree hashes"},
		{"a record appended with another record's hashes", func(tx store.Tx, raws [][]byte) error {
			if err := tx.Audit().Append(store.AuditEntry{Seq: 4, Data: forge(raws)}); err != nil {
				return err
			}
			hs, err := tlog.StoredHashes(3, raws[0], tlogReader(tx))
			if err != nil {
				return err
			}
			return tx.Audit().AppendHashes(uint64(tlog.StoredHashIndex(0, 3)), toStore(hs))
		}, "is not the records'"},
		{"tree hashes beyond the last record", func(tx store.Tx, _ [][]byte) error {
			return tx.Audit().AppendHashes(uint64(tlog.StoredHashCount(3)), []store.AuditHash{{1}})
		}, "records were removed from the end"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openStore(t, t.TempDir())
			defer db.Close()
			l := openLog(t, db)
			appendN(t, l, 3, "d")
			var raws [][]byte
			for _, s := range all(t, db) {
				raws = append(raws, s.raw)
			}
			if err := db.Update(ctx, func(tx store.Tx) error { return c.tamper(tx, raws) }); err != nil {
				t.Fatal(err)
			}
			// A log that has a tree is not rebuilt (as ttpd does at start).
			if built, err := audit.BuildTree(ctx, db); built != 0 || err != nil {
				t.Fatalf("BuildTree of a log with a tree: %d, %v; want 0, nil", built, err)
			}
			_, err := audit.VerifyTree(ctx, db)
			if !errors.Is(err, audit.ErrBroken) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("VerifyTree: %v; want ErrBroken, %q", err, c.want)
			}
			if c.name == "tree hashes beyond the last record" {
				return // the last record is whole: appends go on
			}
			broken := 0
			l.OnBroken = func() { broken++ }
			err = l.Append(ctx, actor().Record("After"), nil)
			if !errors.Is(err, audit.ErrBroken) || broken != 1 {
				t.Fatalf("Append after the broken record: %v (OnBroken called %d times); want ErrBroken, once", err, broken)
			}
			if n := len(all(t, db)); n != 4 {
				t.Fatalf("%d records after the refused append, want 4", n)
			}
		})
	}
}

func tlogReader(tx store.Tx) tlog.HashReaderFunc {
	return func(indexes []int64) ([]tlog.Hash, error) {
		idx := make([]uint64, len(indexes))
		for i, x := range indexes {
			idx[i] = uint64(x)
		}
		hs, err := tx.Audit().Hashes(idx)
		out := make([]tlog.Hash, len(hs))
		for i, h := range hs {
			out[i] = tlog.Hash(h)
		}
		return out, err
	}
}

func toStore(hs []tlog.Hash) []store.AuditHash {
	out := make([]store.AuditHash, len(hs))
	for i, h := range hs {
		out[i] = store.AuditHash(h)
	}
	return out
}

// A log written before ttpd kept a tree gets one, in batches, and then
// verifies; so does one whose build was interrupted after a batch.
func TestBuildTree(t *testing.T) {
	for _, c := range []struct {
		n           int
		interrupted bool
	}{{0, false}, {1, false}, {7, false}, {2500, false}, {2500, true}} {
		n := c.n
		t.Run(fmt.Sprint(n, " interrupted ", c.interrupted), func(t *testing.T) {
			db := openStore(t, t.TempDir())
			defer db.Close()
			legacy := legacyLog(t, db, n)
			if c.interrupted {
				firstBatchWritten(t, db, legacy[:1000])
			}
			if n > 0 {
				if _, err := audit.VerifyTree(ctx, db); !errors.Is(err, audit.ErrBroken) {
					t.Fatalf("VerifyTree of a log without a tree: %v, want ErrBroken", err)
				}
			}
			built, err := audit.BuildTree(ctx, db)
			if err != nil || built != uint64(n) {
				t.Fatalf("BuildTree: %d, %v; want %d", built, err, n)
			}
			tree, err := audit.VerifyTree(ctx, db)
			if err != nil || tree.Size != uint64(n) || tree.Hash != rfc6962Root(legacy) {
				t.Fatalf("VerifyTree after BuildTree: %+v, %v", tree, err)
			}
			if built, err := audit.BuildTree(ctx, db); err != nil || built != 0 {
				t.Fatalf("BuildTree again: %d, %v; want 0", built, err)
			}
			appendN(t, openLog(t, db), 3, "after")
			if tree, err := audit.VerifyTree(ctx, db); err != nil || tree.Size != uint64(n+3) {
				t.Fatalf("VerifyTree after appends: %+v, %v", tree, err)
			}
		})
	}
}

// legacyLog writes n chained records as ttpd did before it kept a tree,
// and returns their bytes.
func legacyLog(t *testing.T, db store.Store, n int) [][]byte {
	t.Helper()
	var raws [][]byte
	prev := ""
	err := db.Update(ctx, func(tx store.Tx) error {
		for i := 1; i <= n; i++ {
			raw := fmt.Appendf(nil, `{"seq":%d,"time":"2025-01-01T00:00:00Z","principal":"op","action":"Old","outcome":"ok","prev":%q}`, i, prev)
			if err := tx.Audit().Append(store.AuditEntry{Seq: uint64(i), Data: raw}); err != nil {
				return err
			}
			raws, prev = append(raws, raw), sha(raw)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return raws
}

// firstBatchWritten stores what BuildTree's first batch stores: the tree
// hashes of records, all but the first record's leaf.
func firstBatchWritten(t *testing.T, db store.Store, records [][]byte) {
	t.Helper()
	all := map[int64]tlog.Hash{}
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = all[x]
		}
		return out, nil
	})
	var hashes []tlog.Hash
	for n, raw := range records {
		hs, err := tlog.StoredHashes(int64(n), raw, reader)
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range hs {
			all[tlog.StoredHashIndex(0, int64(n))+int64(i)] = h
		}
		hashes = append(hashes, hs...)
	}
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.Audit().AppendHashes(1, toStore(hashes[1:])) }); err != nil {
		t.Fatal(err)
	}
}
