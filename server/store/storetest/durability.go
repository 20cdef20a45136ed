package storetest

import (
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

// testDurability checks that what Update committed is there after a
// reopen, and that the counters (IDs, revisions, sequence numbers) carry on
// from where they were.
func testDurability(t *testing.T, f Factory) {
	s := f.New(t)
	seed(t, s)
	var reserved, reservedPersons uint64
	update(t, s, func(tx store.Tx) error {
		var err error
		if reserved, err = tx.Index().ReserveIDs(10); err != nil {
			return err
		}
		reservedPersons, err = tx.Index().ReservePersonIDs(10)
		return err
	})
	// Many records, with shared blocks, so that backends that keep recent
	// writes apart from older ones have both.
	var recs []store.IndexRecord
	for i := uint64(0); i < 500; i++ {
		recs = append(recs, record(100+i, 10000+i, i%50, 5000+i%7, 6000+i))
	}
	addRecords(t, s, recs...)
	rolledBack(t, s, func(tx store.Tx) error { return tx.Domains().Create(store.Domain{Name: "gone"}) })

	s = f.Reopen(t, s)
	view(t, s, func(tx store.Tx) error {
		if _, err := tx.Domains().Get("gone"); err == nil {
			t.Errorf("a rolled-back domain is there after a reopen")
		}
		got, err := tx.Index().Records([]uint64{100, 350, 599})
		if err != nil {
			return err
		}
		for _, id := range []uint64{100, 350, 599} {
			i := id - 100
			equal(t, "record after a reopen", record(id, 10000+i, i%50, 5000+i%7, 6000+i), got[id])
		}
		members, err := tx.Index().BlockMembers([]uint64{5003}, 3)
		if err != nil {
			return err
		}
		equal(t, "block members after a reopen", []uint64{593, 586, 579}, members[5003])
		return nil
	})
	// Two domains and four records more than seed's.
	if st := stats(t, s); st.Records != 501 {
		t.Errorf("records after a reopen: %d, want 501", st.Records)
	}

	// Counters carry on.
	update(t, s, func(tx store.Tx) error {
		first, err := tx.Index().ReserveIDs(1)
		if err != nil {
			return err
		}
		if first < reserved+10 {
			t.Errorf("ReserveIDs after a reopen gave %d, which was reserved before (%d+10)", first, reserved)
		}
		if first, err = tx.Index().ReservePersonIDs(1); err != nil {
			return err
		}
		if first < reservedPersons+10 {
			t.Errorf("ReservePersonIDs after a reopen gave %d, which was reserved before (%d+10)", first, reservedPersons)
		}
		c, err := tx.Index().AppendChange(store.PersonChange{Kind: 2, From: 1, To: 2})
		if err != nil {
			return err
		}
		if c.Seq != 2 {
			t.Errorf("AppendChange after a reopen: Seq %d, want 2", c.Seq)
		}
		last, err := tx.Audit().Last()
		if err != nil {
			return err
		}
		if last.Seq != 1 {
			t.Errorf("audit Last after a reopen: Seq %d, want 1", last.Seq)
		}
		if err := tx.Audit().Append(store.AuditEntry{Seq: 2, Data: []byte("a2")}); err != nil {
			return err
		}
		return tx.Domains().Update(store.Domain{Name: "d", Description: "v2"})
	})
	s = f.Reopen(t, s)
	view(t, s, func(tx store.Tx) error {
		d, err := tx.Domains().Get("d")
		if err != nil || d.Revision != 2 || d.Description != "v2" {
			t.Errorf("domain after the second reopen: %+v, %v; want revision 2", d, err)
		}
		if last, err := tx.Audit().Last(); err != nil || last.Seq != 2 || string(last.Data) != "a2" {
			t.Errorf("audit Last after the second reopen: %+v, %v", last, err)
		}
		if cs, err := tx.Index().Changes(0, 10); err != nil || len(cs) != 2 {
			t.Errorf("changes after the second reopen: %v, %v", cs, err)
		}
		return nil
	})
}
