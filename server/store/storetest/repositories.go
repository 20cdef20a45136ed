package storetest

import (
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/store"
)

// checkDomain compares a domain read back with the one written; Revision
// is compared with rev.
func checkDomain(t *testing.T, want, got store.Domain, rev uint64) {
	t.Helper()
	if !sameTime(want.Created, got.Created) {
		t.Errorf("domain %s: Created %v, want %v in UTC", want.Name, got.Created, want.Created)
	}
	if got.Revision != rev {
		t.Errorf("domain %s: Revision %d, want %d", want.Name, got.Revision, rev)
	}
	equalBytes(t, "domain "+want.Name+" Keyring", want.Keyring, got.Keyring)
	want.Created, got.Created = time.Time{}, time.Time{}
	want.Revision, got.Revision = 0, 0
	equal(t, "domain "+want.Name, want, got)
}

func testDomains(t *testing.T, f Factory) {
	full := store.Domain{Name: "patients", Description: "Patiënten — ünïcode", Mode: "oprf",
		Brokers: []string{"b1", "b2"}, Recipients: []string{"r1"}, Created: when(5), Keyring: allBytes(), Revision: 42}
	cases := []struct {
		name string
		d    store.Domain
	}{
		{"Full", full},
		{"Empty", store.Domain{Name: "e"}},
		// The rule for empty slices: they read back as nil.
		{"EmptySlices", store.Domain{Name: "s", Brokers: []string{}, Recipients: []string{}, Keyring: []byte{}}},
	}
	for _, c := range cases {
		t.Run("CreateGet/"+c.name, func(t *testing.T) {
			s := f.New(t)
			view(t, s, func(tx store.Tx) error {
				_, err := tx.Domains().Get(c.d.Name)
				wantErr(t, "Get before Create", err, store.ErrNotFound)
				return nil
			})
			in := c.d
			in.Brokers = append([]string(nil), c.d.Brokers...)
			in.Keyring = append([]byte(nil), c.d.Keyring...)
			update(t, s, func(tx store.Tx) error {
				_, err := tx.Domains().Get(c.d.Name)
				wantErr(t, "Get before Create in Update", err, store.ErrNotFound)
				err = tx.Domains().Create(in)
				// The caller's slices are its own again once Create returns.
				if len(in.Keyring) > 0 {
					in.Keyring[0] ^= 0xff
				}
				if len(in.Brokers) > 0 {
					in.Brokers[0] = "changed"
				}
				return err
			})
			want := c.d
			if len(want.Brokers) == 0 {
				want.Brokers = nil
			}
			if len(want.Recipients) == 0 {
				want.Recipients = nil
			}
			if len(want.Keyring) == 0 {
				want.Keyring = nil
			}
			view(t, s, func(tx store.Tx) error {
				got, err := tx.Domains().Get(c.d.Name)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				checkDomain(t, want, got, 1)
				// Returned slices belong to the caller.
				if len(got.Keyring) > 0 {
					got.Keyring[0] ^= 0xff
					again, _ := tx.Domains().Get(c.d.Name)
					equalBytes(t, "Keyring after changing a returned copy", want.Keyring, again.Keyring)
				}
				return nil
			})
		})
	}

	t.Run("CreateExisting", func(t *testing.T) {
		s := f.New(t)
		update(t, s, func(tx store.Tx) error { return tx.Domains().Create(full) })
		err := s.Update(ctx, func(tx store.Tx) error {
			return tx.Domains().Create(store.Domain{Name: full.Name, Description: "other"})
		})
		wantErr(t, "Create of an existing domain", err, store.ErrExists)
		view(t, s, func(tx store.Tx) error {
			got, err := tx.Domains().Get(full.Name)
			if err != nil {
				return err
			}
			checkDomain(t, full, got, 1)
			return nil
		})
	})

	t.Run("UpdateRevision", func(t *testing.T) {
		s := f.New(t)
		update(t, s, func(tx store.Tx) error { return tx.Domains().Create(full) })
		changed := store.Domain{Name: full.Name, Description: "v2", Mode: "hmac", Brokers: []string{"b3"},
			Created: when(6), Keyring: []byte{7, 7}, Revision: 99}
		for rev := uint64(2); rev <= 4; rev++ {
			update(t, s, func(tx store.Tx) error {
				d, err := tx.Domains().Get(full.Name)
				if err != nil {
					return err
				}
				if d.Revision != rev-1 {
					t.Errorf("Revision before update %d: %d", rev, d.Revision)
				}
				return tx.Domains().Update(changed)
			})
		}
		view(t, s, func(tx store.Tx) error {
			got, err := tx.Domains().Get(full.Name)
			if err != nil {
				return err
			}
			checkDomain(t, changed, got, 4)
			return nil
		})
		err := s.Update(ctx, func(tx store.Tx) error { return tx.Domains().Update(store.Domain{Name: "absent"}) })
		wantErr(t, "Update of an absent domain", err, store.ErrNotFound)
		view(t, s, func(tx store.Tx) error {
			_, err := tx.Domains().Get("absent")
			wantErr(t, "Get after a failed Update", err, store.ErrNotFound)
			return nil
		})
	})

	t.Run("List", func(t *testing.T) {
		s := f.New(t)
		view(t, s, func(tx store.Tx) error {
			ds, err := tx.Domains().List()
			if err != nil || len(ds) != 0 {
				t.Errorf("List of none: %v, %v", ds, err)
			}
			return nil
		})
		names := []string{"m", "b", "z", "a", "ab"}
		update(t, s, func(tx store.Tx) error {
			for i, n := range names {
				if err := tx.Domains().Create(store.Domain{Name: n, Keyring: []byte{byte(i)}}); err != nil {
					return err
				}
			}
			return tx.Domains().Update(store.Domain{Name: "z", Keyring: []byte{9}})
		})
		view(t, s, func(tx store.Tx) error {
			ds, err := tx.Domains().List()
			if err != nil {
				return err
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.Name)
				if d.Name == "z" && (d.Revision != 2 || len(d.Keyring) != 1 || d.Keyring[0] != 9) {
					t.Errorf("listed z: revision %d keyring %v, want 2 [9]", d.Revision, d.Keyring)
				}
				if d.Name == "b" && (d.Revision != 1 || len(d.Keyring) != 1 || d.Keyring[0] != 1) {
					t.Errorf("listed b: revision %d keyring %v, want 1 [1]", d.Revision, d.Keyring)
				}
			}
			equal(t, "domain names listed", []string{"a", "ab", "b", "m", "z"}, got)
			return nil
		})
	})
}

func testRecipients(t *testing.T, f Factory) {
	t.Run("PutGet", func(t *testing.T) {
		s := f.New(t)
		view(t, s, func(tx store.Tx) error {
			_, err := tx.Recipients().Get("alice")
			wantErr(t, "Get before Put", err, store.ErrNotFound)
			return nil
		})
		k := store.RecipientKey{Name: "alice", PublicKey: "pk-1", Registered: when(7), Revision: 17}
		update(t, s, func(tx store.Tx) error { return tx.Recipients().Put(k) })
		k2 := store.RecipientKey{Name: "alice", PublicKey: "pk-2", Registered: when(8), Revision: 3}
		for i, want := range []struct {
			k   store.RecipientKey
			rev uint64
		}{{k, 1}, {k2, 2}, {k2, 3}} {
			if i > 0 {
				update(t, s, func(tx store.Tx) error { return tx.Recipients().Put(want.k) })
			}
			view(t, s, func(tx store.Tx) error {
				got, err := tx.Recipients().Get("alice")
				if err != nil {
					return err
				}
				if got.Name != want.k.Name || got.PublicKey != want.k.PublicKey || got.Revision != want.rev ||
					!sameTime(want.k.Registered, got.Registered) {
					t.Errorf("after put %d: got %+v, want %+v revision %d (time in UTC)", i+1, got, want.k, want.rev)
				}
				return nil
			})
		}
	})
	t.Run("List", func(t *testing.T) {
		s := f.New(t)
		view(t, s, func(tx store.Tx) error {
			if ks, err := tx.Recipients().List(); err != nil || len(ks) != 0 {
				t.Errorf("List of none: %v, %v", ks, err)
			}
			return nil
		})
		update(t, s, func(tx store.Tx) error {
			for _, n := range []string{"carol", "alice", "bob"} {
				if err := tx.Recipients().Put(store.RecipientKey{Name: n, PublicKey: "pk-" + n}); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx store.Tx) error {
			ks, err := tx.Recipients().List()
			if err != nil {
				return err
			}
			var got []string
			for _, k := range ks {
				got = append(got, k.Name)
				if k.PublicKey != "pk-"+k.Name || k.Revision != 1 {
					t.Errorf("listed %s: %+v", k.Name, k)
				}
			}
			equal(t, "recipient names listed", []string{"alice", "bob", "carol"}, got)
			return nil
		})
	})
}

func testKeyrings(t *testing.T, f Factory) {
	t.Run("CreateGet", func(t *testing.T) {
		s := f.New(t)
		view(t, s, func(tx store.Tx) error {
			_, err := tx.Keyrings().Get("linkage")
			wantErr(t, "Get before Create", err, store.ErrNotFound)
			return nil
		})
		sealed := allBytes()
		update(t, s, func(tx store.Tx) error {
			err := tx.Keyrings().Create("linkage", sealed)
			sealed[0] ^= 0xff // the caller's again
			return err
		})
		view(t, s, func(tx store.Tx) error {
			got, err := tx.Keyrings().Get("linkage")
			if err != nil {
				return err
			}
			equalBytes(t, "keyring", allBytes(), got)
			got[1] ^= 0xff
			again, _ := tx.Keyrings().Get("linkage")
			equalBytes(t, "keyring after changing a returned copy", allBytes(), again)
			return nil
		})
	})
	t.Run("CreateExistingLeavesTxUsable", func(t *testing.T) {
		s := f.New(t)
		update(t, s, func(tx store.Tx) error { return tx.Keyrings().Create("linkage", []byte("first")) })
		update(t, s, func(tx store.Tx) error {
			err := tx.Keyrings().Create("linkage", []byte("second"))
			wantErr(t, "Create of an existing keyring", err, store.ErrExists)
			if got, err := tx.Keyrings().Get("linkage"); err != nil || string(got) != "first" {
				t.Errorf("keyring after a refused Create: %q, %v; want \"first\"", got, err)
			}
			if err := tx.Keyrings().Create("other", []byte("o")); err != nil {
				return err
			}
			return tx.Domains().Create(store.Domain{Name: "d"})
		})
		view(t, s, func(tx store.Tx) error {
			if got, err := tx.Keyrings().Get("linkage"); err != nil || string(got) != "first" {
				t.Errorf("keyring: %q, %v; want \"first\"", got, err)
			}
			if got, err := tx.Keyrings().Get("other"); err != nil || string(got) != "o" {
				t.Errorf("keyring written after a refused Create: %q, %v", got, err)
			}
			if _, err := tx.Domains().Get("d"); err != nil {
				t.Errorf("domain written after a refused Create: %v", err)
			}
			return nil
		})
	})
	t.Run("EmptyIsNil", func(t *testing.T) {
		s := f.New(t)
		update(t, s, func(tx store.Tx) error { return tx.Keyrings().Create("empty", []byte{}) })
		view(t, s, func(tx store.Tx) error {
			got, err := tx.Keyrings().Get("empty")
			if err != nil {
				return err
			}
			equalBytes(t, "empty keyring", nil, got)
			return nil
		})
	})
}
