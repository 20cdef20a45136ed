package storetest

import (
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

func testModels(t *testing.T, f Factory) {
	s := f.New(t)
	view(t, s, func(tx store.Tx) error {
		ms, err := tx.Models().List()
		if err != nil || len(ms) != 0 {
			t.Errorf("models of a new store: %v %v", ms, err)
		}
		_, err = tx.Models().Create([]byte("m"), when(1))
		wantErr(t, "Create in View", err, store.ErrReadOnly)
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		for i, d := range []string{"first", "second"} {
			v, err := tx.Models().Create([]byte(d), when(i))
			if err != nil {
				return err
			}
			equal(t, "version", uint64(i+1), v)
		}
		wantErr(t, "Activate of version 3", tx.Models().Activate(3), store.ErrNotFound)
		return tx.Models().Activate(1)
	})
	active := func() []uint64 {
		var out []uint64
		view(t, s, func(tx store.Tx) error {
			ms, err := tx.Models().List()
			for _, m := range ms {
				if m.Active {
					out = append(out, m.Version)
				}
			}
			return err
		})
		return out
	}
	equal(t, "active after activating 1", []uint64{1}, active())
	update(t, s, func(tx store.Tx) error { return tx.Models().Activate(2) })
	equal(t, "active after activating 2", []uint64{2}, active())
	rolledBack(t, s, func(tx store.Tx) error { return tx.Models().Activate(1) })
	equal(t, "active after a rolled-back activation", []uint64{2}, active())
	view(t, s, func(tx store.Tx) error {
		ms, err := tx.Models().List()
		if err != nil {
			return err
		}
		if len(ms) != 2 || string(ms[0].Data) != "first" || !sameTime(when(0), ms[0].Created) || string(ms[1].Data) != "second" {
			t.Errorf("models listed: %+v", ms)
		}
		return nil
	})
}
