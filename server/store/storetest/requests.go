package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

func testRequests(t *testing.T, f Factory) {
	t.Run("CreateGetUpdate", func(t *testing.T) {
		s := f.New(t)
		view(t, s, func(tx store.Tx) error {
			_, err := tx.Requests().Get(1)
			wantErr(t, "Get before Create", err, store.ErrNotFound)
			_, err = tx.Requests().Get(1 << 63)
			wantErr(t, "Get of an ID beyond 2^63", err, store.ErrNotFound)
			_, err = tx.Requests().Create([]byte("x"))
			wantErr(t, "Create in View", err, store.ErrReadOnly)
			return nil
		})
		data := allBytes()
		var ids []uint64
		update(t, s, func(tx store.Tx) error {
			for _, d := range [][]byte{data, []byte("second")} {
				id, err := tx.Requests().Create(d)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
		equal(t, "IDs of the first two requests", []uint64{1, 2}, ids)
		update(t, s, func(tx store.Tx) error {
			err := tx.Requests().Update(store.LinkageRequest{ID: 3, Data: []byte("none")})
			wantErr(t, "Update of an absent request", err, store.ErrNotFound)
			return tx.Requests().Update(store.LinkageRequest{ID: 2, Data: []byte("second, approved"), Revision: 9})
		})
		view(t, s, func(tx store.Tx) error {
			q, err := tx.Requests().Get(1)
			if err != nil {
				return err
			}
			equalBytes(t, "request 1's data", data, q.Data)
			equal(t, "request 1's revision", uint64(1), q.Revision)
			q, err = tx.Requests().Get(2)
			if err != nil {
				return err
			}
			equalBytes(t, "request 2's data", []byte("second, approved"), q.Data)
			equal(t, "request 2's revision", uint64(2), q.Revision)
			qs, err := tx.Requests().List()
			if err != nil {
				return err
			}
			var got []uint64
			for _, q := range qs {
				got = append(got, q.ID)
			}
			equal(t, "requests listed", []uint64{1, 2}, got)
			return nil
		})
	})
	t.Run("RolledBackCreate", func(t *testing.T) {
		s := f.New(t)
		rolledBack(t, s, func(tx store.Tx) error {
			_, err := tx.Requests().Create([]byte("gone"))
			return err
		})
		view(t, s, func(tx store.Tx) error {
			qs, err := tx.Requests().List()
			if err != nil || len(qs) != 0 {
				t.Errorf("after a rolled-back Create: %v, %v", qs, err)
			}
			return nil
		})
	})
	// Two approvals at once, each reading the request and writing it back
	// with its own mark: Get locks the request, so neither is lost.
	t.Run("ConcurrentUpdates", func(t *testing.T) {
		s := f.New(t)
		other := s
		if f.Peer != nil {
			other = f.Peer(t, s)
		}
		var id uint64
		update(t, s, func(tx store.Tx) error {
			var err error
			id, err = tx.Requests().Create(nil)
			return err
		})
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			st := s
			if i%2 == 1 {
				st = other
			}
			wg.Go(func() {
				errs[i] = st.Update(t.Context(), func(tx store.Tx) error {
					q, err := tx.Requests().Get(id)
					if err != nil {
						return err
					}
					q.Data = append(q.Data, byte('a'+i))
					return tx.Requests().Update(q)
				})
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		view(t, s, func(tx store.Tx) error {
			q, err := tx.Requests().Get(id)
			if err != nil {
				return err
			}
			if len(q.Data) != len(errs) || q.Revision != uint64(len(errs)+1) {
				t.Errorf("after %d concurrent updates: %d marks, revision %d", len(errs), len(q.Data), q.Revision)
			}
			return nil
		})
	})
}
