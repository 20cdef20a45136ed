package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/store"
)

func testTransactions(t *testing.T, f Factory) {
	t.Run("FnErrorIsReturned", func(t *testing.T) {
		s := f.New(t)
		calls := 0
		err := s.Update(ctx, func(store.Tx) error { calls++; return errRollback })
		if !errors.Is(err, errRollback) {
			t.Errorf("Update returned %v, want fn's error", err)
		}
		err = s.View(ctx, func(store.Tx) error { calls++; return errRollback })
		if !errors.Is(err, errRollback) {
			t.Errorf("View returned %v, want fn's error", err)
		}
		update(t, s, func(store.Tx) error { calls++; return nil })
		if calls != 3 {
			t.Errorf("fn ran %d times in three transactions, want once each", calls)
		}
	})
	t.Run("Rollback", func(t *testing.T) { testRollback(t, f) })
	t.Run("ReadOnlyView", func(t *testing.T) { testReadOnly(t, f) })
	t.Run("ReadYourWrites", func(t *testing.T) { testReadYourWrites(t, f) })
	t.Run("ViewIsSnapshot", func(t *testing.T) { testSnapshot(t, f) })
	t.Run("Shared", func(t *testing.T) {
		s := f.New(t)
		if s.Shared() != (f.Peer != nil) {
			t.Errorf("Shared() = %v, but the factory's Peer is nil: %v", s.Shared(), f.Peer == nil)
		}
	})
}

// seed stores one of everything: domain "d", recipient "r", keyring "k",
// audit entry 1, record 1 (source 100, person 7, blocks 1000 and 1001),
// person 7, a review of record 1 and change 1.
func seed(t *testing.T, s store.Store) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		if err := tx.Domains().Create(store.Domain{Name: "d", Mode: "hmac", Created: when(1), Keyring: []byte{1}}); err != nil {
			return err
		}
		if err := tx.Recipients().Put(store.RecipientKey{Name: "r", PublicKey: "pk", Registered: when(2)}); err != nil {
			return err
		}
		if err := tx.Keyrings().Create("k", []byte{2}); err != nil {
			return err
		}
		if err := tx.Audit().Append(store.AuditEntry{Seq: 1, Data: []byte("a1")}); err != nil {
			return err
		}
		ix := tx.Index()
		if err := ix.Add([]store.IndexRecord{record(1, 100, 7, 1000, 1001)}); err != nil {
			return err
		}
		if err := ix.AddPersons(7); err != nil {
			return err
		}
		if err := ix.PutReview(store.ReviewItem{Record: 1, Candidate: 8, ScoreMilli: 500, Pattern: []byte{3}}); err != nil {
			return err
		}
		_, err := ix.AppendChange(store.PersonChange{Time: when(3), Kind: 1, From: 7, To: 8})
		return err
	})
}

// checkSeed checks that the store holds what seed wrote and nothing more.
func checkSeed(t *testing.T, s store.Store) {
	t.Helper()
	view(t, s, func(tx store.Tx) error {
		d, err := tx.Domains().Get("d")
		if err != nil || d.Revision != 1 || len(d.Keyring) != 1 || d.Keyring[0] != 1 {
			t.Errorf("domain d: %+v, %v; want revision 1, keyring [1]", d, err)
		}
		if ds, err := tx.Domains().List(); err != nil || len(ds) != 1 {
			t.Errorf("domains: %d, %v; want 1", len(ds), err)
		}
		r, err := tx.Recipients().Get("r")
		if err != nil || r.Revision != 1 || r.PublicKey != "pk" {
			t.Errorf("recipient r: %+v, %v; want revision 1", r, err)
		}
		if rs, err := tx.Recipients().List(); err != nil || len(rs) != 1 {
			t.Errorf("recipients: %d, %v; want 1", len(rs), err)
		}
		if k, err := tx.Keyrings().Get("k"); err != nil || len(k) != 1 || k[0] != 2 {
			t.Errorf("keyring k: %v, %v; want [2]", k, err)
		}
		if _, err := tx.Keyrings().Get("k2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("keyring k2: %v, want ErrNotFound", err)
		}
		if e, err := tx.Audit().Last(); err != nil || e.Seq != 1 || string(e.Data) != "a1" {
			t.Errorf("audit Last: %d %q, %v; want 1 \"a1\"", e.Seq, e.Data, err)
		}
		ix := tx.Index()
		if st, err := ix.Stats(); err != nil || st != (store.IndexStats{Records: 1, Persons: 1}) {
			t.Errorf("Stats: %+v, %v; want 1 record, 1 person", st, err)
		}
		if got, err := ix.BySource([]uint64{100, 101}); err != nil || len(got) != 1 || got[100].ID != 1 {
			t.Errorf("BySource: %v, %v; want source 100 only", got, err)
		}
		if got, err := ix.Records([]uint64{1, 2}); err != nil || len(got) != 1 || got[1].Person != 7 {
			t.Errorf("Records: %v, %v; want record 1 of person 7 only", got, err)
		}
		if got, err := ix.BlockMembers([]uint64{1000, 1001, 1002}, 10); err != nil || len(got) != 2 || len(got[1000]) != 1 || len(got[1001]) != 1 {
			t.Errorf("BlockMembers: %v, %v; want [1] for blocks 1000 and 1001 only", got, err)
		}
		if got, err := ix.OfPerson(7, 10); err != nil || len(got) != 1 || got[0].ID != 1 {
			t.Errorf("OfPerson(7): %v, %v; want record 1", got, err)
		}
		if got, err := ix.OfPerson(9, 10); err != nil || len(got) != 0 {
			t.Errorf("OfPerson(9): %v, %v; want none", got, err)
		}
		if rv, err := ix.Review(1); err != nil || rv.Candidate != 8 || rv.ScoreMilli != 500 {
			t.Errorf("Review(1): %+v, %v; want candidate 8, score 500", rv, err)
		}
		if rvs, err := ix.Reviews(0, 10); err != nil || len(rvs) != 1 {
			t.Errorf("Reviews: %d, %v; want 1", len(rvs), err)
		}
		if cs, err := ix.Changes(0, 10); err != nil || len(cs) != 1 || cs[0].Seq != 1 {
			t.Errorf("Changes: %+v, %v; want change 1 only", cs, err)
		}
		return nil
	})
}

// testRollback checks that a transaction whose fn fails leaves no trace.
func testRollback(t *testing.T, f Factory) {
	cases := []struct {
		name  string
		write func(store.Tx) error
	}{
		{"Domains.Create", func(tx store.Tx) error {
			return tx.Domains().Create(store.Domain{Name: "d2", Mode: "hmac"})
		}},
		{"Domains.Update", func(tx store.Tx) error {
			return tx.Domains().Update(store.Domain{Name: "d", Mode: "oprf", Keyring: []byte{9, 9}})
		}},
		{"Recipients.Put/new", func(tx store.Tx) error {
			return tx.Recipients().Put(store.RecipientKey{Name: "r2", PublicKey: "x"})
		}},
		{"Recipients.Put/replace", func(tx store.Tx) error {
			return tx.Recipients().Put(store.RecipientKey{Name: "r", PublicKey: "changed"})
		}},
		{"Keyrings.Create", func(tx store.Tx) error { return tx.Keyrings().Create("k2", []byte{5}) }},
		{"Audit.Append", func(tx store.Tx) error {
			if err := tx.Audit().Append(store.AuditEntry{Seq: 2, Data: []byte("a2")}); err != nil {
				return err
			}
			return tx.Audit().Append(store.AuditEntry{Seq: 3, Data: []byte("a3")})
		}},
		{"Index.Add", func(tx store.Tx) error {
			return tx.Index().Add([]store.IndexRecord{record(2, 101, 9, 1000, 1002)})
		}},
		{"Index.SetPerson", func(tx store.Tx) error { return tx.Index().SetPerson(1, 9) }},
		{"Index.AddPersons", func(tx store.Tx) error { return tx.Index().AddPersons(9) }},
		{"Index.RemovePerson", func(tx store.Tx) error { return tx.Index().RemovePerson(7) }},
		{"Index.PutReview/new", func(tx store.Tx) error {
			return tx.Index().PutReview(store.ReviewItem{Record: 2, Candidate: 7, ScoreMilli: 1})
		}},
		{"Index.PutReview/replace", func(tx store.Tx) error {
			return tx.Index().PutReview(store.ReviewItem{Record: 1, Candidate: 9, ScoreMilli: 1})
		}},
		{"Index.DeleteReview", func(tx store.Tx) error { return tx.Index().DeleteReview(1) }},
		{"Index.AppendChange", func(tx store.Tx) error {
			_, err := tx.Index().AppendChange(store.PersonChange{Time: when(4), Kind: 2, From: 7, To: 9})
			return err
		}},
		{"Everything", func(tx store.Tx) error {
			if err := tx.Domains().Create(store.Domain{Name: "d3"}); err != nil {
				return err
			}
			if err := tx.Index().Add([]store.IndexRecord{record(50, 150, 7, 1001)}); err != nil {
				return err
			}
			return tx.Audit().Append(store.AuditEntry{Seq: 2, Data: []byte("a2")})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := f.New(t)
			seed(t, s)
			rolledBack(t, s, c.write)
			checkSeed(t, s)
		})
	}
	t.Run("ChangeSeqHasNoGap", func(t *testing.T) {
		s := f.New(t)
		seed(t, s)
		rolledBack(t, s, func(tx store.Tx) error {
			_, err := tx.Index().AppendChange(store.PersonChange{Kind: 1})
			return err
		})
		var c store.PersonChange
		update(t, s, func(tx store.Tx) error {
			var err error
			c, err = tx.Index().AppendChange(store.PersonChange{Kind: 1})
			return err
		})
		if c.Seq != 2 {
			t.Errorf("change after a rolled-back one got Seq %d, want 2", c.Seq)
		}
	})
	t.Run("AuditSeqHasNoGap", func(t *testing.T) {
		s := f.New(t)
		seed(t, s)
		rolledBack(t, s, func(tx store.Tx) error { return tx.Audit().Append(store.AuditEntry{Seq: 2}) })
		update(t, s, func(tx store.Tx) error {
			e, err := tx.Audit().Last()
			if err != nil {
				return err
			}
			if e.Seq != 1 {
				t.Errorf("Last after a rolled-back append: Seq %d, want 1", e.Seq)
			}
			return tx.Audit().Append(store.AuditEntry{Seq: 2, Data: []byte("a2")})
		})
	})
}

// testReadOnly checks that every write in View fails with ErrReadOnly and
// changes nothing.
func testReadOnly(t *testing.T, f Factory) {
	s := f.New(t)
	seed(t, s)
	writes := []struct {
		name  string
		write func(store.Tx) error
	}{
		{"Domains.Create", func(tx store.Tx) error { return tx.Domains().Create(store.Domain{Name: "d2"}) }},
		{"Domains.Update", func(tx store.Tx) error { return tx.Domains().Update(store.Domain{Name: "d", Keyring: []byte{9}}) }},
		{"Recipients.Put", func(tx store.Tx) error { return tx.Recipients().Put(store.RecipientKey{Name: "r", PublicKey: "x"}) }},
		{"Keyrings.Create", func(tx store.Tx) error { return tx.Keyrings().Create("k2", []byte{1}) }},
		{"Audit.Append", func(tx store.Tx) error { return tx.Audit().Append(store.AuditEntry{Seq: 2, Data: []byte("x")}) }},
		{"Index.ReserveIDs", func(tx store.Tx) error { _, err := tx.Index().ReserveIDs(1); return err }},
		{"Index.ReservePersonIDs", func(tx store.Tx) error { _, err := tx.Index().ReservePersonIDs(1); return err }},
		{"Index.Add", func(tx store.Tx) error { return tx.Index().Add([]store.IndexRecord{record(2, 102, 7, 1000)}) }},
		{"Index.SetPerson", func(tx store.Tx) error { return tx.Index().SetPerson(1, 9) }},
		{"Index.AddPersons", func(tx store.Tx) error { return tx.Index().AddPersons(9) }},
		{"Index.RemovePerson", func(tx store.Tx) error { return tx.Index().RemovePerson(7) }},
		{"Index.PutReview", func(tx store.Tx) error { return tx.Index().PutReview(store.ReviewItem{Record: 1, Candidate: 9}) }},
		{"Index.DeleteReview", func(tx store.Tx) error { return tx.Index().DeleteReview(1) }},
		{"Index.AppendChange", func(tx store.Tx) error {
			_, err := tx.Index().AppendChange(store.PersonChange{Kind: 1})
			return err
		}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			err := s.View(ctx, w.write)
			wantErr(t, "write in View", err, store.ErrReadOnly)
			checkSeed(t, s)
		})
	}
}

// testReadYourWrites checks that reads in Update see the transaction's own
// writes.
func testReadYourWrites(t *testing.T, f Factory) {
	s := f.New(t)
	update(t, s, func(tx store.Tx) error {
		if err := tx.Domains().Create(store.Domain{Name: "x", Mode: "oprf"}); err != nil {
			return err
		}
		if d, err := tx.Domains().Get("x"); err != nil || d.Mode != "oprf" || d.Revision != 1 {
			t.Errorf("Domains.Get after Create: %+v, %v", d, err)
		}
		if ds, err := tx.Domains().List(); err != nil || len(ds) != 1 {
			t.Errorf("Domains.List after Create: %d, %v; want 1", len(ds), err)
		}
		if err := tx.Recipients().Put(store.RecipientKey{Name: "r", PublicKey: "p"}); err != nil {
			return err
		}
		if r, err := tx.Recipients().Get("r"); err != nil || r.PublicKey != "p" {
			t.Errorf("Recipients.Get after Put: %+v, %v", r, err)
		}
		if err := tx.Keyrings().Create("k", []byte{4}); err != nil {
			return err
		}
		if k, err := tx.Keyrings().Get("k"); err != nil || len(k) != 1 || k[0] != 4 {
			t.Errorf("Keyrings.Get after Create: %v, %v", k, err)
		}
		if err := tx.Audit().Append(store.AuditEntry{Seq: 1, Data: []byte("one")}); err != nil {
			return err
		}
		if e, err := tx.Audit().Last(); err != nil || e.Seq != 1 || string(e.Data) != "one" {
			t.Errorf("Audit.Last after Append: %+v, %v", e, err)
		}
		n := 0
		if err := tx.Audit().Scan(1, func(store.AuditEntry) error { n++; return nil }); err != nil || n != 1 {
			t.Errorf("Audit.Scan after Append: %d entries, %v; want 1", n, err)
		}
		ix := tx.Index()
		if err := ix.Add([]store.IndexRecord{record(5, 50, 3, 77)}); err != nil {
			return err
		}
		if err := ix.AddPersons(3); err != nil {
			return err
		}
		if got, err := ix.BySource([]uint64{50}); err != nil || got[50].ID != 5 {
			t.Errorf("BySource after Add: %v, %v", got, err)
		}
		if got, err := ix.Records([]uint64{5}); err != nil || got[5].Source != 50 {
			t.Errorf("Records after Add: %v, %v", got, err)
		}
		if got, err := ix.BlockMembers([]uint64{77}, 5); err != nil || len(got[77]) != 1 {
			t.Errorf("BlockMembers after Add: %v, %v", got, err)
		}
		if got, err := ix.OfPerson(3, 5); err != nil || len(got) != 1 {
			t.Errorf("OfPerson after Add: %v, %v", got, err)
		}
		if st, err := ix.Stats(); err != nil || st != (store.IndexStats{Records: 1, Persons: 1}) {
			t.Errorf("Stats after Add: %+v, %v", st, err)
		}
		if err := ix.PutReview(store.ReviewItem{Record: 5, Candidate: 4}); err != nil {
			return err
		}
		if rv, err := ix.Review(5); err != nil || rv.Candidate != 4 {
			t.Errorf("Review after PutReview: %+v, %v", rv, err)
		}
		if _, err := ix.AppendChange(store.PersonChange{Kind: 1, From: 3, To: 4}); err != nil {
			return err
		}
		if cs, err := ix.Changes(0, 5); err != nil || len(cs) != 1 {
			t.Errorf("Changes after AppendChange: %v, %v", cs, err)
		}
		return nil
	})
}

// testSnapshot checks that a View does not see what commits while it runs.
func testSnapshot(t *testing.T, f Factory) {
	s := f.New(t)
	update(t, s, func(tx store.Tx) error { return tx.Domains().Create(store.Domain{Name: "a"}) })
	done := make(chan error, 1)
	finished := false
	view(t, s, func(tx store.Tx) error {
		before, err := tx.Domains().List()
		if err != nil {
			return err
		}
		go func() {
			done <- s.Update(ctx, func(tx store.Tx) error {
				if err := tx.Domains().Create(store.Domain{Name: "b"}); err != nil {
					return err
				}
				return tx.Domains().Update(store.Domain{Name: "a", Description: "changed"})
			})
		}()
		// A backend may make the writer wait for the reader; give it a
		// moment to commit if it does not.
		select {
		case err := <-done:
			finished = true
			if err != nil {
				t.Errorf("Update during a View: %v", err)
			}
		case <-time.After(2 * time.Second):
		}
		after, err := tx.Domains().List()
		if err != nil {
			return err
		}
		equal(t, "domains listed again in the same View", before, after)
		if _, err := tx.Domains().Get("b"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("View sees a domain created after it began: %v", err)
		}
		return nil
	})
	if !finished {
		if err := <-done; err != nil {
			t.Fatalf("Update after a View: %v", err)
		}
	}
	view(t, s, func(tx store.Tx) error {
		if ds, err := tx.Domains().List(); err != nil || len(ds) != 2 {
			t.Errorf("a new View sees %d domains (%v), want 2", len(ds), err)
		}
		return nil
	})
}
