package pgstore_test

import (
	"testing"

	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/pgtest"
)

// What Update committed survives PostgreSQL's crash (an immediate stop: no
// checkpoint, recovery from the WAL); what was in flight does not.
func TestCommittedSurvivesCrash(t *testing.T) {
	c := pgtest.Start(t)
	url := c.URL(t)
	s := open(t, url)
	rec := store.IndexRecord{ID: 1, Source: 11, Person: 7, Features: []byte("f"), Blocks: []uint64{5}}
	if err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Index().Add([]store.IndexRecord{rec}); err != nil {
			return err
		}
		if err := tx.Index().AddPersons(7); err != nil {
			return err
		}
		return tx.Audit().Append(store.AuditEntry{Seq: 1, Data: []byte(`{"a":1}`)})
	}); err != nil {
		t.Fatal(err)
	}
	inFlight := make(chan struct{})
	crashed := make(chan struct{})
	go s.Update(ctx, func(tx store.Tx) error {
		tx.Index().Add([]store.IndexRecord{{ID: 2, Source: 12, Person: 8}})
		close(inFlight)
		<-crashed
		return nil // the commit fails: the server is gone
	})
	<-inFlight
	c.Kill(t)
	close(crashed)
	c.Restart(t)

	s = open(t, url)
	if err := s.View(ctx, func(tx store.Tx) error {
		got, err := tx.Index().BySource([]uint64{11, 12})
		if err != nil {
			return err
		}
		if len(got) != 1 || got[11].ID != 1 {
			t.Errorf("records after the crash: %v; want record 1 only", got)
		}
		st, err := tx.Index().Stats()
		if err != nil {
			return err
		}
		if st != (store.IndexStats{Records: 1, Persons: 1}) {
			t.Errorf("stats after the crash: %+v", st)
		}
		last, err := tx.Audit().Last()
		if err != nil {
			return err
		}
		if last.Seq != 1 || string(last.Data) != `{"a":1}` {
			t.Errorf("audit after the crash: %+v", last)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
