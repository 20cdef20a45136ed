// Package domains keeps the pseudonym domains: their names, who may code into
// them, and their keyrings. A domain is a pseudonym namespace (a registry, a
// research project); pseudonyms of one person in two domains cannot be linked
// without the TTP.
//
// Domains are few and read on every coding call, so the registry holds them
// in memory, unwrapped (see Registry). A Domain value is immutable: a change replaces it, so
// a coding stream that holds a Domain is never disturbed by a rotation.
package domains

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/store"
)

// Domain is one pseudonym namespace.
type Domain struct {
	Name        string
	Description string
	Access
	Created time.Time
	Keyring *keys.Keyring
	Mode    Mode // how pseudonyms are computed; fixed at creation

	oprf     *oprfCache // OPRF keys by version, shared by a domain's copies
	revision uint64     // the store's revision this copy was read at
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

// Registry holds every domain. It keeps them in memory, unwrapped, and
// writes every change through to the store with its audit record. On a store
// that other servers write too (store.Shared), it reloads what changed at
// most every store.RefreshInterval, and at once when asked for a domain or key
// version it does not know, so a domain created or rotated on another server
// is used here without a restart.
type Registry struct {
	st      store.Store
	kek     *keys.KEK
	log     *audit.Log
	rand    io.Reader
	now     func() time.Time
	refresh *store.Refresher

	mu     sync.RWMutex // guards byName
	byName map[string]*Domain
}

// Open loads every domain from the store and unwraps its keys under kek.
func Open(ctx context.Context, st store.Store, kek *keys.KEK, log *audit.Log, rand io.Reader, now func() time.Time) (*Registry, error) {
	r := &Registry{st: st, kek: kek, log: log, rand: rand, now: now, byName: map[string]*Domain{}}
	r.refresh = store.NewRefresher(st, r.reload, now)
	if err := r.refresh.Load(ctx); err != nil {
		return nil, fmt.Errorf("load domains: %w", err)
	}
	return r, nil
}

// reload reads every domain and unwraps those whose revision changed.
func (r *Registry) reload(ctx context.Context) error {
	var stored []store.Domain
	err := r.st.View(ctx, func(tx store.Tx) error {
		var err error
		stored, err = tx.Domains().List()
		return err
	})
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range stored {
		if old, ok := r.byName[s.Name]; ok && old.revision >= s.Revision {
			continue
		}
		d, err := r.decode(s)
		if err != nil {
			return fmt.Errorf("domain %q: %w", s.Name, err)
		}
		r.byName[d.Name] = d
	}
	return nil
}

func (r *Registry) decode(s store.Domain) (*Domain, error) {
	ring, err := keys.OpenKeyring(r.kek, s.Name, s.Keyring)
	if err != nil {
		return nil, fmt.Errorf("unwrap keys (is this the right KEK?): %w", err)
	}
	mode := Mode(s.Mode)
	if mode == "" {
		mode = ModeHMAC
	}
	return &Domain{Name: s.Name, Description: s.Description, Access: Access{Brokers: s.Brokers, Recipients: s.Recipients},
		Created: s.Created, Keyring: ring, Mode: mode, oprf: &oprfCache{}, revision: s.Revision}, nil
}

// encode seals d's keyring for the store.
func (r *Registry) encode(d *Domain) (store.Domain, error) {
	sealed, err := d.Keyring.Seal(r.kek, r.rand)
	if err != nil {
		return store.Domain{}, err
	}
	return store.Domain{Name: d.Name, Description: d.Description, Mode: string(d.Mode), Brokers: d.Brokers,
		Recipients: d.Recipients, Created: d.Created, Keyring: sealed}, nil
}

// Get returns the named domain.
func (r *Registry) Get(name string) (*Domain, error) {
	r.refresh.Stale()
	d, ok := r.lookup(name)
	if !ok && r.refresh.Missed() {
		// Perhaps created on another server a moment ago.
		d, ok = r.lookup(name)
	}
	if !ok {
		return nil, apierr.New(apierr.NotFound, "domain %q does not exist", name)
	}
	return d, nil
}

// GetWithVersion returns the named domain with key version v (0: any), and
// reloads once from a shared store if v is newer than the copy here.
func (r *Registry) GetWithVersion(name string, v keys.Version) (*Domain, error) {
	d, err := r.Get(name)
	if err != nil || v == 0 || v <= d.Keyring.Current() || !r.refresh.Missed() {
		return d, err
	}
	return r.Get(name)
}

func (r *Registry) lookup(name string) (*Domain, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	d, ok := r.byName[name]
	return d, ok
}

// List returns every domain, sorted by name.
func (r *Registry) List() []*Domain {
	r.refresh.Stale()
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
func (r *Registry) Create(ctx context.Context, who audit.Actor, name, description string, access Access) (*Domain, error) {
	return r.CreateWithMode(ctx, who, name, description, access, ModeHMAC)
}

// CreateWithMode makes a domain in the given mode ("" is HMAC) with key
// version 1 and records it in the audit log.
func (r *Registry) CreateWithMode(ctx context.Context, who audit.Actor, name, description string, access Access, mode Mode) (*Domain, error) {
	return r.create(ctx, who, name, description, access, mode, 0)
}

// CreateForRequest makes an HMAC-mode domain of linkage request request
// (its project or communication domain); the audit record names the
// request, so that the committee's report of the request shows it.
func (r *Registry) CreateForRequest(ctx context.Context, who audit.Actor, name, description string, access Access, request uint64) (*Domain, error) {
	return r.create(ctx, who, name, description, access, ModeHMAC, request)
}

func (r *Registry) create(ctx context.Context, who audit.Actor, name, description string, access Access, mode Mode, request uint64) (*Domain, error) {
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
	now := r.now().UTC()
	ring, err := keys.NewKeyring(name, r.rand, now)
	if err != nil {
		return nil, err
	}
	access = Access{Brokers: slices.Clone(access.Brokers), Recipients: slices.Clone(access.Recipients)}
	d := &Domain{Name: name, Description: description, Access: access, Created: now, Keyring: ring, Mode: mode, oprf: &oprfCache{}, revision: 1}
	rec := who.Record("CreateDomain")
	rec.Domain, rec.KeyVersion, rec.Request = name, uint32(ring.Current()), request
	rec.Detail = fmt.Sprintf("brokers: %v; recipients: %v", access.Brokers, access.Recipients)
	if mode != ModeHMAC {
		rec.Detail += "; mode: " + string(mode)
	}
	sd, err := r.encode(d)
	if err != nil {
		return nil, err
	}
	err = r.log.Append(ctx, rec, func(tx store.Tx) error { return tx.Domains().Create(sd) })
	if errors.Is(err, store.ErrExists) {
		return nil, apierr.New(apierr.AlreadyExists, "domain %q exists already", name)
	}
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.byName[name] = d
	r.mu.Unlock()
	return d, nil
}

// Rotate adds a key version to the named domain and makes it current. The
// new version is on disk, with its audit record, before anyone codes with it.
// The keyring is read from the store under a lock, so two servers rotating
// at once make two versions, never two different keys for one version.
func (r *Registry) Rotate(ctx context.Context, who audit.Actor, name string) (*Domain, error) {
	var d *Domain
	err := r.st.Update(ctx, func(tx store.Tx) error {
		s, err := tx.Domains().Get(name)
		if err != nil {
			return err
		}
		if d, err = r.decode(s); err != nil {
			return err
		}
		v, err := d.Keyring.Rotate(r.rand, r.now().UTC())
		if err != nil {
			return err
		}
		sd, err := r.encode(d)
		if err != nil {
			return err
		}
		if err := tx.Domains().Update(sd); err != nil {
			return err
		}
		d.revision = s.Revision + 1
		rec := who.Record("RotateDomainKey")
		rec.Domain, rec.KeyVersion = name, uint32(v)
		return r.log.AppendTx(tx, rec)
	})
	return r.changed(name, d, err)
}

// changed finishes a change of the named domain made in a store
// transaction that returned err: a domain not in the store is NotFound, and
// the new copy d replaces the one held here unless that is newer (read
// from a shared store meanwhile).
func (r *Registry) changed(name string, d *Domain, err error) (*Domain, error) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.New(apierr.NotFound, "domain %q does not exist", name)
	}
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if old, ok := r.byName[name]; !ok || old.revision < d.revision {
		r.byName[name] = d
	}
	r.mu.Unlock()
	return d, nil
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
