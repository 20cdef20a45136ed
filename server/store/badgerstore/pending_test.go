package badgerstore

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

// rawKeys lists the keys under prefix that a transaction sees, with values.
func rawKeys(t *testing.T, tx *tx, prefix string) map[string]string {
	t.Helper()
	got := map[string]string{}
	if err := tx.scan("test", prefix, nil, false, func(k, v []byte) error {
		got[string(k)] = string(v)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestUpdateReadsThePendingOne: an Update sent before the last one is
// durable reads the last one's writes, its own first.
func TestUpdateReadsThePendingOne(t *testing.T) {
	s := openSmallBuffer(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	write := func(stx store.Tx, kv ...string) error {
		for i := 0; i < len(kv); i += 2 {
			var err error
			if kv[i+1] == "" {
				err = stx.(*tx).del("test", []byte("z/"+kv[i]))
			} else {
				err = stx.(*tx).set("test", []byte("z/"+kv[i]), []byte(kv[i+1]))
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.Update(ctx, func(stx store.Tx) error { return write(stx, "a", "1", "b", "2", "c", "3") }); err != nil {
		t.Fatal(err)
	}
	wait1, err := s.UpdateAsync(ctx, func(stx store.Tx) error { return write(stx, "b", "", "c", "4", "d", "5") })
	if err != nil {
		t.Fatal(err)
	}
	wait2, err := s.UpdateAsync(ctx, func(stx store.Tx) error {
		raw := stx.(*tx)
		if raw.base == nil {
			t.Error("the second Update has no pending commit before it")
		}
		if got := rawKeys(t, raw, "z/"); len(got) != 3 || got["a"] != "1" || got["c"] != "4" || got["d"] != "5" {
			t.Errorf("before its own writes: %v, want a=1 c=4 d=5", got)
		}
		if err := write(stx, "d", "", "b", "6", "e", "7"); err != nil {
			return err
		}
		if got := rawKeys(t, raw, "z/"); len(got) != 4 || got["a"] != "1" || got["b"] != "6" || got["c"] != "4" || got["e"] != "7" {
			t.Errorf("after its own writes: %v, want a=1 b=6 c=4 e=7", got)
		}
		found, err := raw.has("test", []byte("z/d"))
		if err != nil || found {
			t.Errorf("a key it deleted after the one before wrote it: found %v, %v", found, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := wait1(); err != nil {
		t.Fatal(err)
	}
	if err := wait2(); err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(stx store.Tx) error {
		if got := rawKeys(t, stx.(*tx), "z/"); len(got) != 4 || got["b"] != "6" || got["d"] != "" || got["e"] != "7" {
			t.Errorf("durable: %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUpdateAfterAFailedOneFails: an Update that read the writes of one
// whose commit failed is not committed; one that starts after the failure
// is known starts afresh, without them.
func TestUpdateAfterAFailedOneFails(t *testing.T) {
	s := openSmallBuffer(t, t.TempDir())
	defer s.Close()
	failing := func() *pendingCommit {
		return &pendingCommit{writes: map[string]pendingWrite{"z/x": {value: []byte("phantom")}}, sent: make(chan struct{}), done: make(chan struct{})}
	}
	fail := func(p *pendingCommit) {
		p.err = errors.New("disk full")
		close(p.sent)
		close(p.done)
	}
	base := failing()
	s.mu.Lock()
	s.next, s.last = s.db.NewTransaction(true), base
	s.mu.Unlock()
	err := s.Update(context.Background(), func(stx store.Tx) error {
		found, err := stx.(*tx).has("test", []byte("z/x"))
		if !found || err != nil {
			t.Errorf("the pending commit's write not read: %v, %v", found, err)
		}
		fail(base) // after this Update read its writes
		return stx.(*tx).set("test", []byte("z/y"), []byte("built on the phantom"))
	})
	if err == nil {
		t.Fatal("an Update after a failed one committed")
	}
	err = s.View(context.Background(), func(stx store.Tx) error {
		if got := rawKeys(t, stx.(*tx), "z/"); len(got) != 0 {
			t.Errorf("stored after the failure: %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The next Update starts afresh, as does one whose base is known to
	// have failed when it starts.
	if err := s.Update(context.Background(), func(stx store.Tx) error {
		return stx.(*tx).set("test", []byte("z/y"), []byte("ok"))
	}); err != nil {
		t.Fatal(err)
	}
	base = failing()
	fail(base)
	s.mu.Lock()
	s.next.Discard()
	s.next, s.last = s.db.NewTransaction(true), base
	s.mu.Unlock()
	if err := s.Update(context.Background(), func(stx store.Tx) error {
		if found, err := stx.(*tx).has("test", []byte("z/x")); found || err != nil {
			t.Errorf("an Update after a failure it knew of read the failed commit's write: %v, %v", found, err)
		}
		return nil
	}); err != nil {
		t.Errorf("an Update after a failure it knew of: %v", err)
	}
}

// TestMembersOfThePendingCommit: block members that the Update before
// added are found while its commit is still on its way (through its map
// and the filter in front of it: it fails if a block added is not in the
// filter), and its deleted records are left out.
func TestMembersOfThePendingCommit(t *testing.T) {
	s := openSmallBuffer(t, t.TempDir())
	defer s.Close()
	prev := s.db.NewTransaction(true)
	defer prev.Discard()
	bt := s.newTx(prev, true, 0)
	bt.writes = map[string]pendingWrite{}
	// Blocks are keyed hashes: the filter places a block by its top bits.
	blocks := make([]uint64, 1000)
	for i := range blocks {
		blocks[i] = mix64(uint64(i) + 1)
		bt.addPosting(blocks[i], uint64(i)+10_000)
	}
	bt.addPosting(blocks[7], 5)
	bt.addPosting(blocks[7], 9)
	bt.deleted = []uint64{9}
	before := bt.pending()
	s.mu.Lock()
	s.next, s.last = s.db.NewTransaction(true), before
	s.mu.Unlock()
	errChecked := errors.New("checked")
	_, err := s.UpdateAsync(context.Background(), func(stx store.Tx) error {
		never := mix64(5000)
		got, err := stx.Index().BlockMembers(append(slices.Clone(blocks), never), 10)
		if err != nil {
			return err
		}
		if want := []uint64{10_007, 5}; !slices.Equal(got[blocks[7]], want) {
			t.Errorf("members of block 7: %v; want %v (9 was deleted)", got[blocks[7]], want)
		}
		for i, block := range blocks {
			if i != 7 && !slices.Equal(got[block], []uint64{uint64(i) + 10_000}) {
				t.Fatalf("members of block %d: %v; want [%d]", i, got[block], i+10_000)
			}
		}
		if len(got[never]) != 0 {
			t.Errorf("members of a block never added: %v", got[never])
		}
		return errChecked
	})
	if !errors.Is(err, errChecked) {
		t.Fatal(err)
	}
	close(before.done)
}
