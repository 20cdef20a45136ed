package badgerstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/server/store"
)

// TestKeyFilterKeepsEveryKey adds keys past several growths: every one
// stays "may be stored", and few absent keys are.
func TestKeyFilterKeepsEveryKey(t *testing.T) {
	f := newKeyFilter()
	f.ready.Store(true)
	rng := rand.New(rand.NewPCG(1, 2))
	n := 3 * filterFirstKeys
	added := make([][]byte, n)
	for i := range added {
		added[i] = numKey(personPrefix, rng.Uint64())
		f.add(added[i])
	}
	if parts := len(*f.parts.Load()); parts < 2 {
		t.Fatalf("%d keys in %d part(s); want the filter grown", n, parts)
	}
	for _, k := range added {
		if !f.mayContain(k) {
			t.Fatalf("an added key is reported absent")
		}
	}
	falsePos := 0
	for range 100_000 {
		if f.mayContain(numKey(personPrefix, rng.Uint64())) {
			falsePos++
		}
	}
	if falsePos > 5_000 {
		t.Errorf("%d of 100,000 absent keys may be stored; want under 5%%", falsePos)
	}
	if !f.mayContain(numKey(recordPrefix, 1)) {
		t.Error("a key the filter does not cover must always be reported as maybe stored")
	}
}

// TestKeyFilterUnreadyAnswersMaybe: before the fill, nothing is ruled out.
func TestKeyFilterUnreadyAnswersMaybe(t *testing.T) {
	f := newKeyFilter()
	if !f.mayContain(numKey(personPrefix, 7)) {
		t.Fatal("an unfilled filter ruled a key out")
	}
}

// TestKeyFilterFilledAtOpen: after a reopen the filter learns the stored
// person keys (of a store from before the groups of persons) from the
// store, so reads still find them, and it rules out others. The persons
// stay recorded: AddPersons refuses them, a reservation skips them, and
// RemovePerson removes them.
func TestKeyFilterFilledAtOpen(t *testing.T) {
	dir := t.TempDir()
	key := make([]byte, 32)
	s, err := Open(dir, key, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	recs := []store.IndexRecord{{ID: 1, Source: 11, Person: 21, Blocks: []uint64{31}}, {ID: 2, Source: 12, Person: 22, Blocks: []uint64{32}}}
	if err := s.db.Update(func(txn *badger.Txn) error {
		for _, p := range []uint64{21, 22} {
			if err := txn.Set(numKey(personPrefix, p), nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(context.Background(), func(tx store.Tx) error { return tx.Index().Add(recs) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, key, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for deadline := time.Now().Add(10 * time.Second); !s.filter.ready.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the filter was not filled in 10 s")
		}
	}
	for _, k := range [][]byte{numKey(personPrefix, 21), numKey(personPrefix, 22)} {
		if !s.filter.mayContain(k) {
			t.Errorf("stored key %x ruled out after the fill", k)
		}
	}
	if s.filter.mayContain(numKey(personPrefix, 23)) && s.filter.mayContain(numKey(personPrefix, 24)) {
		t.Error("the filled filter rules out neither of two absent persons")
	}
	err = s.Update(context.Background(), func(tx store.Tx) error {
		err := tx.Index().AddPersons(21)
		if !errors.Is(err, store.ErrExists) {
			t.Errorf("AddPersons of a stored person after reopen: %v, want ErrExists", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(tx store.Tx) error {
		first, err := tx.Index().ReservePersonIDs(30)
		if err != nil {
			return err
		}
		if first <= 22 {
			t.Errorf("ReservePersonIDs(30) = %d: the range has an older store's person 21 or 22", first)
		}
		if err := tx.Index().RemovePerson(21); err != nil {
			return fmt.Errorf("RemovePerson of an older store's person: %w", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(tx store.Tx) error { return tx.Index().RemovePerson(21) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RemovePerson of an older store's person removed before: %v, want ErrNotFound", err)
	}
}
