// Package recipients keeps the HPKE public keys that recipients (registries,
// researchers) registered for sealed values (docs/oblivious.md, "Sealed
// values"). Operators register a key, brokers read it to seal pseudonyms to
// its owner. Only public keys are kept: recipients make their key pairs with
// ttp keygen and never send the private key.
package recipients

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
	"unicode"

	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/store"
)

// Key is a registered recipient key.
type Key struct {
	Name       string
	Public     *seal.PublicKey
	Registered time.Time
}

// MaxNameLen bounds a recipient's name.
const MaxNameLen = 128

// Registry holds every recipient key in memory, written through to the
// store. On a shared store it reloads on a miss and at most every
// store.RefreshInterval, as package domains does.
type Registry struct {
	st      store.Store
	log     *audit.Log
	now     func() time.Time
	refresh *store.Refresher

	mu     sync.RWMutex
	byName map[string]*Key
}

// Open loads the registered keys.
func Open(ctx context.Context, st store.Store, log *audit.Log, now func() time.Time) (*Registry, error) {
	r := &Registry{st: st, log: log, now: now, byName: map[string]*Key{}}
	r.refresh = store.NewRefresher(st, r.reload, now)
	if err := r.refresh.Load(ctx); err != nil {
		return nil, fmt.Errorf("load recipient keys: %w", err)
	}
	return r, nil
}

func (r *Registry) reload(ctx context.Context) error {
	var stored []store.RecipientKey
	err := r.st.View(ctx, func(tx store.Tx) error {
		var err error
		stored, err = tx.Recipients().List()
		return err
	})
	if err != nil {
		return err
	}
	byName := make(map[string]*Key, len(stored))
	for _, s := range stored {
		pub, err := seal.ParsePublicKey(s.PublicKey)
		if err != nil {
			return fmt.Errorf("recipient key %q: %w", s.Name, err)
		}
		byName[s.Name] = &Key{Name: s.Name, Public: pub, Registered: s.Registered}
	}
	r.mu.Lock()
	r.byName = byName
	r.mu.Unlock()
	return nil
}

// CheckName checks a recipient name: 1 to MaxNameLen printable characters
// without spaces (principal names are certificate common names).
func CheckName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return apierr.BadField("name", "a recipient name has 1 to %d bytes", MaxNameLen)
	}
	for _, c := range name {
		if !unicode.IsPrint(c) || unicode.IsSpace(c) || c == unicode.ReplacementChar {
			return apierr.BadField("name", "a recipient name has printable characters only and no spaces")
		}
	}
	return nil
}

// Register registers or replaces name's key, with an audit record that
// carries the key's fingerprint.
func (r *Registry) Register(ctx context.Context, who audit.Actor, name, publicKey string) (*Key, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	pub, err := seal.ParsePublicKey(publicKey)
	if err != nil {
		return nil, apierr.BadField("public_key", "not a recipient public key from ttp keygen: %v", err)
	}
	k := &Key{Name: name, Public: pub, Registered: r.now().UTC()}
	err = r.st.Update(ctx, func(tx store.Tx) error {
		rec := who.Record("RegisterRecipientKey")
		rec.Detail = fmt.Sprintf("recipient %q, suite %s, fingerprint %s", name, pub.Suite(), pub.Fingerprint())
		old, err := tx.Recipients().Get(name)
		switch {
		case err == nil:
			oldPub, err := seal.ParsePublicKey(old.PublicKey)
			if err != nil {
				return fmt.Errorf("recipient key %q: %w", name, err)
			}
			rec.Detail += fmt.Sprintf(", replaces %s", oldPub.Fingerprint())
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		if err := tx.Recipients().Put(store.RecipientKey{Name: name, PublicKey: pub.Encode(), Registered: k.Registered}); err != nil {
			return err
		}
		return r.log.AppendTx(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.byName[name] = k
	r.mu.Unlock()
	return k, nil
}

// Get returns name's key.
func (r *Registry) Get(name string) (*Key, error) {
	r.refresh.Stale()
	k, ok := r.lookup(name)
	if !ok && r.refresh.Missed() {
		k, ok = r.lookup(name)
	}
	if !ok {
		return nil, apierr.New(apierr.NotFound, "no key is registered for recipient %q", name)
	}
	return k, nil
}

func (r *Registry) lookup(name string) (*Key, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.byName[name]
	return k, ok
}

// List returns every key, by name.
func (r *Registry) List() []*Key {
	r.refresh.Stale()
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Key, 0, len(r.byName))
	for _, k := range r.byName {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
