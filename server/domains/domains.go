// Package domains keeps the pseudonym domains: their names, who may code into
// them, and their keyrings. A domain is a pseudonym namespace (a registry, a
// research project); pseudonyms of one person in two domains cannot be linked
// without the TTP.
//
// Domains are few and read on every coding call, so the registry holds them
// in memory, unwrapped, and writes every change through to the store together
// with its audit record. A Domain value is immutable: a change replaces it, so
// a coding stream that holds a Domain is never disturbed by a rotation.
package domains

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
)

// Domain is one pseudonym namespace.
type Domain struct {
	Name        string
	Description string
	Access
	Created time.Time
	Keyring *keys.Keyring
	Mode    Mode // how pseudonyms are computed; fixed at creation

	oprf *oprfCache // OPRF keys by version, shared by a domain's copies
}

// Mode is how a domain computes its pseudonyms.
type Mode string

const (
	// ModeHMAC: HMAC-SHA256 (docs/pseudonyms.md), the default.
	ModeHMAC Mode = "hmac"
	// ModeOPRF: RFC 9497 POPRF ristretto255-SHA512 (docs/oblivious.md).
	ModeOPRF Mode = "oprf"
)

// oprfCache keeps one OPRF key per version: deriving one costs tens of µs.
// Version keys never change, so a rotated copy of a domain shares it.
type oprfCache struct{ m sync.Map } // keys.Version → *keys.OPRFKey

// OPRF returns the OPRF key of version v (cached) of a domain in OPRF mode.
func (d *Domain) OPRF(v keys.Version) (*keys.OPRFKey, error) {
	if d.Mode != ModeOPRF {
		return nil, apierr.New(apierr.FailedPrecondition, "domain %q is in %s mode, not oprf", d.Name, d.Mode)
	}
	if d.oprf != nil {
		if k, ok := d.oprf.m.Load(v); ok {
			return k.(*keys.OPRFKey), nil
		}
	}
	k, err := d.Keyring.OPRF(v)
	if err != nil {
		return nil, err
	}
	if d.oprf != nil {
		d.oprf.m.Store(v, k)
	}
	return k, nil
}

// Access lists the principals that may use a domain.
type Access struct {
	Brokers    []string // may code and register records into it
	Recipients []string // may receive from it (fetch person changes)
}

// MayCode reports whether principal is listed as a broker of the domain.
func (d *Domain) MayCode(principal string) bool { return slices.Contains(d.Brokers, principal) }

// MayReceive reports whether principal is listed as a recipient or broker.
func (d *Domain) MayReceive(principal string) bool {
	return d.MayCode(principal) || slices.Contains(d.Recipients, principal)
}

// stored is a domain as kept in the store: the keyring only in sealed form.
type stored struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Brokers     []string  `json:"brokers"`
	Recipients  []string  `json:"recipients,omitempty"`
	Created     time.Time `json:"created"`
	Keyring     []byte    `json:"keyring"`
	Mode        Mode      `json:"mode,omitempty"` // empty in domains stored before modes: HMAC
}

const prefix = "domain/"

// Registry holds every domain.
type Registry struct {
	db   *badger.DB
	kek  *keys.KEK
	log  *audit.Log
	rand io.Reader
	now  func() time.Time

	mu     sync.RWMutex // guards byName and serialises changes
	byName map[string]*Domain
}

// Open loads every domain from the store and unwraps its keys under kek.
func Open(db *badger.DB, kek *keys.KEK, log *audit.Log, rand io.Reader, now func() time.Time) (*Registry, error) {
	r := &Registry{db: db, kek: kek, log: log, rand: rand, now: now, byName: map[string]*Domain{}}
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
			d, err := r.decode(raw)
			if err != nil {
				return fmt.Errorf("domain at key %q: %w", it.Item().Key(), err)
			}
			r.byName[d.Name] = d
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load domains: %w", err)
	}
	return r, nil
}

func (r *Registry) decode(raw []byte) (*Domain, error) {
	var s stored
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	ring, err := keys.OpenKeyring(r.kek, s.Name, s.Keyring)
	if err != nil {
		return nil, fmt.Errorf("unwrap keys (is this the right KEK?): %w", err)
	}
	mode := s.Mode
	if mode == "" {
		mode = ModeHMAC
	}
	return &Domain{Name: s.Name, Description: s.Description, Access: Access{Brokers: s.Brokers, Recipients: s.Recipients}, Created: s.Created, Keyring: ring, Mode: mode, oprf: &oprfCache{}}, nil
}

// put writes d in txn.
func (r *Registry) put(txn *badger.Txn, d *Domain) error {
	sealed, err := d.Keyring.Seal(r.kek, r.rand)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(stored{Name: d.Name, Description: d.Description, Brokers: d.Brokers, Recipients: d.Recipients, Created: d.Created, Keyring: sealed, Mode: d.Mode})
	if err != nil {
		return err
	}
	return txn.Set([]byte(prefix+d.Name), raw)
}

// Get returns the named domain.
func (r *Registry) Get(name string) (*Domain, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	d, ok := r.byName[name]
	if !ok {
		return nil, apierr.New(apierr.NotFound, "domain %q does not exist", name)
	}
	return d, nil
}

// List returns every domain, sorted by name.
func (r *Registry) List() []*Domain {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Domain, 0, len(r.byName))
	for _, d := range r.byName {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Create makes an HMAC-mode domain with key version 1 and records it in the
// audit log.
func (r *Registry) Create(who audit.Actor, name, description string, access Access) (*Domain, error) {
	return r.CreateWithMode(who, name, description, access, ModeHMAC)
}

// CreateWithMode makes a domain in the given mode ("" is HMAC) with key
// version 1 and records it in the audit log.
func (r *Registry) CreateWithMode(who audit.Actor, name, description string, access Access, mode Mode) (*Domain, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	switch mode {
	case "":
		mode = ModeHMAC
	case ModeHMAC, ModeOPRF:
	default:
		return nil, apierr.BadField("mode", "unknown domain mode %q", mode)
	}
	for _, b := range access.Brokers {
		if b == "" {
			return nil, apierr.BadField("brokers", "a broker name is empty")
		}
	}
	for _, b := range access.Recipients {
		if b == "" {
			return nil, apierr.BadField("recipients", "a recipient name is empty")
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byName[name]; ok {
		return nil, apierr.New(apierr.AlreadyExists, "domain %q exists already", name)
	}
	now := r.now().UTC()
	ring, err := keys.NewKeyring(name, r.rand, now)
	if err != nil {
		return nil, err
	}
	access = Access{Brokers: slices.Clone(access.Brokers), Recipients: slices.Clone(access.Recipients)}
	d := &Domain{Name: name, Description: description, Access: access, Created: now, Keyring: ring, Mode: mode, oprf: &oprfCache{}}
	rec := who.Record("CreateDomain")
	rec.Domain, rec.KeyVersion = name, uint32(ring.Current())
	rec.Detail = fmt.Sprintf("brokers: %v; recipients: %v", access.Brokers, access.Recipients)
	if mode != ModeHMAC {
		rec.Detail += "; mode: " + string(mode)
	}
	if err := r.log.Append(rec, func(txn *badger.Txn) error { return r.put(txn, d) }); err != nil {
		return nil, err
	}
	r.byName[name] = d
	return d, nil
}

// Rotate adds a key version to the named domain and makes it current. The
// new version is on disk, with its audit record, before anyone codes with it.
func (r *Registry) Rotate(who audit.Actor, name string) (*Domain, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, ok := r.byName[name]
	if !ok {
		return nil, apierr.New(apierr.NotFound, "domain %q does not exist", name)
	}
	// Rotate a copy, so that a failed write leaves the live keyring as it was.
	sealed, err := old.Keyring.Seal(r.kek, r.rand)
	if err != nil {
		return nil, err
	}
	ring, err := keys.OpenKeyring(r.kek, name, sealed)
	if err != nil {
		return nil, err
	}
	v, err := ring.Rotate(r.rand, r.now().UTC())
	if err != nil {
		return nil, err
	}
	d := *old
	d.Keyring = ring
	rec := who.Record("RotateDomainKey")
	rec.Domain, rec.KeyVersion = name, uint32(v)
	if err := r.log.Append(rec, func(txn *badger.Txn) error { return r.put(txn, &d) }); err != nil {
		return nil, err
	}
	r.byName[name] = &d
	return &d, nil
}

// CheckName checks a domain name: lowercase letters, digits, '-' and '_',
// starting with a letter or digit, 1 to 63 characters.
func CheckName(name string) error {
	if len(name) == 0 || len(name) > 63 {
		return apierr.BadField("name", "a domain name has 1 to 63 characters")
	}
	for i, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '-' || c == '_')
		if !ok {
			return apierr.BadField("name", "a domain name has only lowercase letters, digits, '-' and '_', and starts with a letter or digit")
		}
	}
	return nil
}
