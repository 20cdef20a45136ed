package badgerstore_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/badgerstore"
)

// TestLargestBatchFits writes the largest transaction the server makes in
// the worst case for size: 1,000 records of MaxBlocks blocks each, IDs far
// apart (so that each posting takes the most bytes in the batch log), 256
// bytes of features, a new person each, a sealed source each, domain
// membership, and an audit entry. Badger refuses a transaction over 15% of
// a memtable (ErrTxnTooBig); the default configuration must fit it.
func TestLargestBatchFits(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 95,000 records")
	}
	s, err := badgerstore.OpenConfig(t.TempDir(), testKey, quiet, badgerstore.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const batch = 1000
	// The batch's record i is in blocks 8i .. 8i+7, as is record i of each
	// earlier batch: every head ends up holding the most members it can.
	records := func(round uint64) []store.IndexRecord {
		recs := make([]store.IndexRecord, batch)
		for i := range recs {
			id := round<<32 | uint64(i+1) // far apart: 5-byte differences
			r := store.IndexRecord{ID: id, Source: id, Person: id, Features: bytes.Repeat([]byte{byte(i)}, 256)}
			for j := range store.MaxBlocks {
				r.Blocks = append(r.Blocks, uint64(store.MaxBlocks*i+j))
			}
			recs[i] = r
		}
		return recs
	}
	audit := bytes.Repeat([]byte("a"), 4096)
	for round := uint64(1); round <= 96; round++ {
		err := s.Update(context.Background(), func(tx store.Tx) error {
			if err := tx.Index().Add(records(round)); err != nil {
				return err
			}
			sealed := map[uint64][]byte{}
			var persons []uint64
			for _, r := range records(round) {
				if err := tx.Index().AddPersons(r.Person); err != nil {
					return err
				}
				sealed[r.ID] = bytes.Repeat([]byte{7}, 160)
				persons = append(persons, r.Person)
			}
			if err := tx.Index().PutReidSources(sealed); err != nil {
				return err
			}
			if err := tx.Index().AddToDomain(1, persons); err != nil {
				return err
			}
			return tx.Audit().Append(store.AuditEntry{Seq: round, Data: audit})
		})
		if err != nil {
			t.Fatalf("batch %d: %v", round, err)
		}
	}
	err = s.View(context.Background(), func(tx store.Tx) error {
		got, err := tx.Index().BlockMembers([]uint64{0, 7999}, 100)
		if err != nil {
			return err
		}
		for _, b := range []uint64{0, 7999} {
			if len(got[b]) != 96 || got[b][0] != 96<<32|uint64(b/8+1) {
				t.Errorf("block %d: %d members, newest %x", b, len(got[b]), got[b][0])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
