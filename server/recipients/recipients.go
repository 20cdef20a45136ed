// Package recipients keeps the HPKE public keys that recipients (registries,
// researchers) registered for sealed values (docs/oblivious.md, "Sealed
// values"). Operators register a key, brokers read it to seal pseudonyms to
// its owner. Only public keys are kept: recipients make their key pairs with
// ttp keygen and never send the private key.
package recipients

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"
	"unicode"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
)

// Key is a registered recipient key.
type Key struct {
	Name       string
	Public     *seal.PublicKey
	Registered time.Time
}

type stored struct {
	Name       string    `json:"name"`
	PublicKey  string    `json:"public_key"`
	Registered time.Time `json:"registered"`
}

const prefix = "recipient/"

// MaxNameLen bounds a recipient's name.
const MaxNameLen = 128

// Registry holds every recipient key in memory, written through to the store.
type Registry struct {
	db  *badger.DB
	log *audit.Log
	now func() time.Time

	mu     sync.RWMutex
	byName map[string]*Key
}

// Open loads the registered keys.
func Open(db *badger.DB, log *audit.Log, now func() time.Time) (*Registry, error) {
	r := &Registry{db: db, log: log, now: now, byName: map[string]*Key{}}
	err := db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(prefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			raw, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			var s stored
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("recipient key at %q: %w", it.Item().Key(), err)
			}
			pub, err := seal.ParsePublicKey(s.PublicKey)
			if err != nil {
				return fmt.Errorf("recipient key %q: %w", s.Name, err)
			}
			r.byName[s.Name] = &Key{Name: s.Name, Public: pub, Registered: s.Registered}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load recipient keys: %w", err)
	}
	return r, nil
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
func (r *Registry) Register(who audit.Actor, name, publicKey string) (*Key, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	pub, err := seal.ParsePublicKey(publicKey)
	if err != nil {
		return nil, apierr.BadField("public_key", "not a recipient public key from ttp keygen: %v", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := &Key{Name: name, Public: pub, Registered: r.now().UTC()}
	raw, err := json.Marshal(stored{Name: name, PublicKey: pub.Encode(), Registered: k.Registered})
	if err != nil {
		return nil, err
	}
	rec := who.Record("RegisterRecipientKey")
	rec.Detail = fmt.Sprintf("recipient %q, suite %s, fingerprint %s", name, pub.Suite(), pub.Fingerprint())
	if old, ok := r.byName[name]; ok {
		rec.Detail += fmt.Sprintf(", replaces %s", old.Public.Fingerprint())
	}
	if err := r.log.Append(rec, func(txn *badger.Txn) error { return txn.Set([]byte(prefix+name), raw) }); err != nil {
		return nil, err
	}
	r.byName[name] = k
	return k, nil
}

// Get returns name's key.
func (r *Registry) Get(name string) (*Key, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.byName[name]
	if !ok {
		return nil, apierr.New(apierr.NotFound, "no key is registered for recipient %q", name)
	}
	return k, nil
}

// List returns every key, by name.
func (r *Registry) List() []*Key {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Key, 0, len(r.byName))
	for _, k := range r.byName {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
