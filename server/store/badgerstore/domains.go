package badgerstore

import (
	"encoding/json"

	"github.com/ttpnl/ttp/server/store"
)

// domains is store.Domains. Get needs no lock of its own: Updates run one
// at a time.
type domains struct{ t *tx }

// domainValue is a domain as stored under domainPrefix + name, in JSON:
// the domain is read rarely and its fields may grow.
type domainValue struct {
	Description string   `json:"description,omitempty"`
	Mode        string   `json:"mode,omitempty"`
	Brokers     []string `json:"brokers,omitempty"`
	Recipients  []string `json:"recipients,omitempty"`
	Created     stamp    `json:"created"`
	Keyring     []byte   `json:"keyring,omitempty"`
	Revision    uint64   `json:"revision"`
}

func encodeDomain(d store.Domain) []byte {
	b, err := json.Marshal(domainValue{Description: d.Description, Mode: d.Mode, Brokers: d.Brokers,
		Recipients: d.Recipients, Created: toStamp(d.Created), Keyring: d.Keyring, Revision: d.Revision})
	if err != nil {
		panic("badgerstore: encode domain: " + err.Error()) // strings, numbers and bytes always encode
	}
	return b
}

func decodeDomain(name string, b []byte) (store.Domain, error) {
	var v domainValue
	if err := json.Unmarshal(b, &v); err != nil {
		return store.Domain{}, corrupt("domain")
	}
	return store.Domain{Name: name, Description: v.Description, Mode: v.Mode, Brokers: nilIfEmpty(v.Brokers),
		Recipients: nilIfEmpty(v.Recipients), Created: v.Created.time(), Keyring: nilIfEmpty(v.Keyring),
		Revision: v.Revision}, nil
}

func (r domains) Get(name string) (store.Domain, error) {
	var d store.Domain
	found, err := r.t.get("read domain", nameKey(domainPrefix, name), func(v []byte) (err error) {
		d, err = decodeDomain(name, v)
		return err
	})
	if err == nil && !found {
		err = store.ErrNotFound
	}
	return d, err
}

func (r domains) List() ([]store.Domain, error) {
	var out []store.Domain
	err := r.t.scan("list domains", domainPrefix, nil, false, func(k, v []byte) error {
		d, err := decodeDomain(string(k), v)
		out = append(out, d)
		return err
	})
	return out, err
}

func (r domains) Create(d store.Domain) error {
	if err := r.t.writable(); err != nil {
		return err
	}
	key := nameKey(domainPrefix, d.Name)
	if found, err := r.t.has("read domain", key); err != nil || found {
		return orExists(err)
	}
	d.Revision = 1
	return r.t.set("write domain", key, encodeDomain(d))
}

func (r domains) Update(d store.Domain) error {
	if err := r.t.writable(); err != nil {
		return err
	}
	old, err := r.Get(d.Name)
	if err != nil {
		return err
	}
	d.Revision = old.Revision + 1
	return r.t.set("write domain", nameKey(domainPrefix, d.Name), encodeDomain(d))
}

// orExists is err, or ErrExists when there was none: for a key that was
// found where a new one was to be written.
func orExists(err error) error {
	if err != nil {
		return err
	}
	return store.ErrExists
}
