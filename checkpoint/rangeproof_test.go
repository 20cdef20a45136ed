package checkpoint_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/ttpnl/ttp/checkpoint"
)

// memTree is a log's tree in memory, laid out as tlog stores it (as the
// server does in its store).
type memTree struct {
	records [][]byte
	hashes  []tlog.Hash
}

func newTree(t testing.TB, n int) *memTree {
	t.Helper()
	m := &memTree{}
	for i := range n {
		rec := fmt.Appendf(nil, `{"seq":%d}`, i+1)
		hs, err := tlog.StoredHashes(int64(i), rec, m)
		if err != nil {
			t.Fatal(err)
		}
		m.records = append(m.records, rec)
		m.hashes = append(m.hashes, hs...)
	}
	return m
}

func (m *memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, errors.New("no such hash")
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memTree) checkpoint(t testing.TB) checkpoint.Checkpoint {
	h, err := tlog.TreeHash(int64(len(m.records)), m)
	if err != nil {
		t.Fatal(err)
	}
	return checkpoint.Checkpoint{Origin: "log", Size: uint64(len(m.records)), Hash: h}
}

// prove is what the server does: read the hashes RangeProof names.
func (m *memTree) prove(t testing.TB, first, last uint64) []tlog.Hash {
	t.Helper()
	idx, err := checkpoint.RangeProof(first, last, uint64(len(m.records)))
	if err != nil {
		t.Fatal(err)
	}
	hs, err := m.ReadHashes(idx)
	if err != nil {
		t.Fatalf("range %d..%d of %d: %v", first, last, len(m.records), err)
	}
	return hs
}

// Every range of every tree up to 33 records proves, with a proof of a
// few dozen hashes at most; and a range proof does not prove anything
// else: a record changed, left out, added, moved, or the proof changed.
func TestRangeProof(t *testing.T) {
	for n := 1; n <= 33; n++ {
		m := newTree(t, n)
		c := m.checkpoint(t)
		for first := uint64(1); first <= uint64(n); first++ {
			for last := first; last <= uint64(n); last++ {
				recs := m.records[first-1 : last]
				proof := m.prove(t, first, last)
				if err := checkpoint.CheckRange(c, first, recs, proof); err != nil {
					t.Fatalf("range %d..%d of %d: %v", first, last, n, err)
				}
				if len(proof) > 2*12 {
					t.Fatalf("range %d..%d of %d: a proof of %d hashes", first, last, n, len(proof))
				}
				for _, bad := range forgeries(recs, proof) {
					err := checkpoint.CheckRange(c, first+bad.shift, bad.recs, bad.proof)
					if err == nil {
						t.Fatalf("range %d..%d of %d, %s: proved", first, last, n, bad.name)
					}
				}
			}
		}
	}
}

type forgery struct {
	name  string
	shift uint64
	recs  [][]byte
	proof []tlog.Hash
}

func forgeries(recs [][]byte, proof []tlog.Hash) []forgery {
	clone := func() [][]byte {
		out := make([][]byte, len(recs))
		for i := range recs {
			out[i] = bytes.Clone(recs[i])
		}
		return out
	}
	changed := clone()
	changed[len(changed)/2][0] ^= 1
	out := []forgery{
		{name: "a record changed", recs: changed, proof: proof},
		{name: "one more record", recs: append(clone(), []byte(`{"seq":0}`)), proof: proof},
	}
	if len(recs) > 1 {
		out = append(out,
			forgery{name: "the last record left out", recs: recs[:len(recs)-1], proof: proof},
			forgery{name: "the first record left out", shift: 1, recs: recs[1:], proof: proof},
			forgery{name: "two records swapped", recs: append([][]byte{recs[1], recs[0]}, recs[2:]...), proof: proof})
	}
	if len(proof) > 0 {
		bent := append([]tlog.Hash(nil), proof...)
		bent[0][0] ^= 1
		out = append(out,
			forgery{name: "a proof hash changed", recs: recs, proof: bent},
			forgery{name: "a proof hash left out", recs: recs, proof: proof[1:]})
	}
	out = append(out, forgery{name: "a proof hash added", recs: recs, proof: append(append([]tlog.Hash(nil), proof...), tlog.Hash{})})
	return out
}

func TestRangeProofBounds(t *testing.T) {
	for _, c := range []struct{ first, last, size uint64 }{
		{0, 1, 5}, {2, 1, 5}, {1, 6, 5}, {1, 1, 0}, {1, 1 + checkpoint.MaxRange, 2000},
	} {
		if _, err := checkpoint.RangeProof(c.first, c.last, c.size); err == nil {
			t.Errorf("RangeProof(%d, %d, %d): no error", c.first, c.last, c.size)
		}
	}
	m := newTree(t, 3)
	if err := checkpoint.CheckRange(m.checkpoint(t), 1, nil, nil); err == nil {
		t.Error("CheckRange of no records: no error")
	}
}

// FuzzCheckRange: whatever the server sends, CheckRange does not panic,
// and accepts only the records of the tree.
func FuzzCheckRange(f *testing.F) {
	f.Add(uint8(7), uint8(2), []byte(`{"seq":2}`), []byte{})
	f.Add(uint8(1), uint8(1), []byte(`{"seq":1}`), bytes.Repeat([]byte{1}, 32))
	f.Fuzz(func(t *testing.T, size, first uint8, rec []byte, proofBytes []byte) {
		n := int(size%40) + 1
		m := newTree(t, n)
		var proof []tlog.Hash
		for len(proofBytes) >= 32 {
			proof = append(proof, tlog.Hash(proofBytes[:32]))
			proofBytes = proofBytes[32:]
		}
		f := uint64(first)
		err := checkpoint.CheckRange(m.checkpoint(t), f, [][]byte{rec}, proof)
		if err == nil && (f < 1 || f > uint64(n) || !bytes.Equal(rec, m.records[f-1])) {
			t.Fatalf("record %q accepted as %d of %d", rec, f, n)
		}
	})
}

// FuzzRangeProof: whatever range a caller asks for, RangeProof (which the
// server runs on the request as sent) does not panic, names few hashes,
// each of a subtree the tree holds, and the proof of a small tree checks.
func FuzzRangeProof(f *testing.F) {
	f.Add(uint64(1), uint64(1), uint64(1))
	f.Add(uint64(3), uint64(900), uint64(1<<40))
	f.Add(uint64(1<<63), uint64(1<<64-1), uint64(1<<64-1))
	f.Add(uint64(1<<64-1), uint64(1<<64-1), uint64(1<<64-1))
	f.Fuzz(func(t *testing.T, first, last, size uint64) {
		idx, err := checkpoint.RangeProof(first, last, size)
		if err != nil {
			return
		}
		if len(idx) > 2*64 {
			t.Fatalf("%d hashes for %d..%d of %d", len(idx), first, last, size)
		}
		for _, x := range idx {
			if x < 0 || x >= tlog.StoredHashCount(int64(size)) {
				t.Fatalf("hash index %d not in a tree of %d", x, size)
			}
		}
		if size <= 64 {
			m := newTree(t, int(size))
			if err := checkpoint.CheckRange(m.checkpoint(t), first, m.records[first-1:last], m.prove(t, first, last)); err != nil {
				t.Fatal(err)
			}
		}
	})
}
