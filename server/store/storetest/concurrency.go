package storetest

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/store"
)

// handles returns two handles on one store: two processes' when the
// backend has peers, the same one twice otherwise.
func handles(t *testing.T, f Factory) (a, b store.Store) {
	a = f.New(t)
	b = a
	if f.Peer != nil {
		b = f.Peer(t, a)
	}
	return a, b
}

// both runs fn(a, 0) and fn(b, 1) at the same time and reports their
// errors.
func both(t *testing.T, a, b store.Store, fn func(s store.Store, g int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for g, s := range []store.Store{a, b} {
		wg.Go(func() { errs[g] = fn(s, g) })
	}
	wg.Wait()
	for g, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", g, err)
		}
	}
}

// pause widens the window between a read and the write that depends on it,
// so that transactions that are not serialised interleave.
func pause() { time.Sleep(time.Millisecond) }

func testConcurrency(t *testing.T, f Factory) {
	const rounds = 25
	t.Run("IndexLock", func(t *testing.T) {
		a, b := handles(t, f)
		// Each transaction registers the record whose source is the count
		// it read under the lock: two that interleave register one source
		// twice, and one of them fails.
		both(t, a, b, func(s store.Store, g int) error {
			for range rounds {
				err := s.Update(ctx, func(tx store.Tx) error {
					ix := tx.Index()
					if err := ix.Lock(); err != nil {
						return err
					}
					st, err := ix.Stats()
					if err != nil {
						return err
					}
					pause()
					id, err := ix.ReserveIDs(1)
					if err != nil {
						return err
					}
					n := uint64(st.Records) + 1
					return ix.Add([]store.IndexRecord{record(id, n, uint64(g), n%3)})
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		sources := make([]uint64, 2*rounds)
		for i := range sources {
			sources[i] = uint64(i + 1)
		}
		view(t, a, func(tx store.Tx) error {
			got, err := tx.Index().BySource(sources)
			if err != nil {
				return err
			}
			if len(got) != 2*rounds {
				t.Errorf("registered %d of sources 1..%d", len(got), 2*rounds)
			}
			st, err := tx.Index().Stats()
			if err != nil {
				return err
			}
			if st.Records != 2*rounds {
				t.Errorf("records: %d, want %d", st.Records, 2*rounds)
			}
			return nil
		})
	})

	t.Run("AuditAppend", func(t *testing.T) {
		a, b := handles(t, f)
		both(t, a, b, func(s store.Store, g int) error {
			for i := range 2 * rounds {
				err := s.Update(ctx, func(tx store.Tx) error {
					last, err := tx.Audit().Last()
					if err != nil {
						return err
					}
					pause()
					return tx.Audit().Append(store.AuditEntry{Seq: last.Seq + 1, Data: fmt.Appendf(nil, "%d/%d", g, i)})
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		seen := map[string]bool{}
		var seq uint64
		view(t, b, func(tx store.Tx) error {
			return tx.Audit().Scan(1, func(e store.AuditEntry) error {
				seq++
				if e.Seq != seq {
					t.Errorf("entry %d has Seq %d", seq, e.Seq)
				}
				seen[string(e.Data)] = true
				return nil
			})
		})
		if seq != 4*rounds || len(seen) != 4*rounds {
			t.Errorf("%d entries, %d distinct; want %d", seq, len(seen), 4*rounds)
		}
	})

	t.Run("DomainGetLocks", func(t *testing.T) {
		a, b := handles(t, f)
		update(t, a, func(tx store.Tx) error { return tx.Domains().Create(store.Domain{Name: "c", Description: "0"}) })
		both(t, a, b, func(s store.Store, _ int) error {
			for range rounds {
				err := s.Update(ctx, func(tx store.Tx) error {
					d, err := tx.Domains().Get("c")
					if err != nil {
						return err
					}
					n, err := strconv.Atoi(d.Description)
					if err != nil {
						return err
					}
					pause()
					d.Description = strconv.Itoa(n + 1)
					return tx.Domains().Update(d)
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		view(t, a, func(tx store.Tx) error {
			d, err := tx.Domains().Get("c")
			if err != nil {
				return err
			}
			if d.Description != strconv.Itoa(2*rounds) || d.Revision != 2*rounds+1 {
				t.Errorf("counter %s revision %d, want %d and %d", d.Description, d.Revision, 2*rounds, 2*rounds+1)
			}
			return nil
		})
	})

	t.Run("RecipientGetLocks", func(t *testing.T) {
		a, b := handles(t, f)
		update(t, a, func(tx store.Tx) error { return tx.Recipients().Put(store.RecipientKey{Name: "c", PublicKey: "0"}) })
		both(t, a, b, func(s store.Store, _ int) error {
			for range rounds {
				err := s.Update(ctx, func(tx store.Tx) error {
					k, err := tx.Recipients().Get("c")
					if err != nil {
						return err
					}
					n, err := strconv.Atoi(k.PublicKey)
					if err != nil {
						return err
					}
					pause()
					k.PublicKey = strconv.Itoa(n + 1)
					return tx.Recipients().Put(k)
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		view(t, a, func(tx store.Tx) error {
			k, err := tx.Recipients().Get("c")
			if err != nil {
				return err
			}
			if k.PublicKey != strconv.Itoa(2*rounds) || k.Revision != 2*rounds+1 {
				t.Errorf("counter %s revision %d, want %d and %d", k.PublicKey, k.Revision, 2*rounds, 2*rounds+1)
			}
			return nil
		})
	})

	t.Run("ConcurrentReads", func(t *testing.T) { testConcurrentReads(t, f) })

	if f.Peer != nil {
		t.Run("PeerSeesCommits", func(t *testing.T) {
			a, b := handles(t, f)
			update(t, a, func(tx store.Tx) error { return tx.Domains().Create(store.Domain{Name: "from-a"}) })
			update(t, b, func(tx store.Tx) error {
				if _, err := tx.Domains().Get("from-a"); err != nil {
					return fmt.Errorf("peer reads a committed domain: %w", err)
				}
				return tx.Domains().Create(store.Domain{Name: "from-b"})
			})
			view(t, a, func(tx store.Tx) error {
				_, err := tx.Domains().Get("from-b")
				return err
			})
		})
	}
}

// testConcurrentReads calls BlockMembers and Records from several
// goroutines of one transaction, as their documentation allows, in View and
// in Update after writes.
func testConcurrentReads(t *testing.T, f Factory) {
	s := f.New(t)
	var recs []store.IndexRecord
	for id := uint64(1); id <= 400; id++ {
		recs = append(recs, record(id, 5000+id, id%9, id%10, 100+id%7))
	}
	addRecords(t, s, recs...)
	check := func(tx store.Tx) error {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Go(func() {
				for round := range 5 {
					block := uint64((g + round) % 10)
					members, err := tx.Index().BlockMembers([]uint64{block, 100 + block%7, 999}, 5)
					if err != nil {
						errs <- err
						return
					}
					want := []uint64{390 + block, 380 + block, 370 + block, 360 + block, 350 + block}
					if block == 0 {
						want = []uint64{400, 390, 380, 370, 360}
					}
					if fmt.Sprint(members[block]) != fmt.Sprint(want) || len(members) != 2 {
						errs <- fmt.Errorf("BlockMembers of block %d: %v, want %v", block, members, want)
						return
					}
					got, err := tx.Index().Records(want)
					if err != nil {
						errs <- err
						return
					}
					for _, id := range want {
						if got[id].Source != 5000+id || len(got[id].Features) != 200 {
							errs <- fmt.Errorf("record %d: %+v", id, got[id])
							return
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		return nil
	}
	view(t, s, check)
	update(t, s, func(tx store.Tx) error {
		if err := tx.Index().Add([]store.IndexRecord{record(1000, 9000, 1, 11)}); err != nil {
			return err
		}
		return check(tx)
	})
}
