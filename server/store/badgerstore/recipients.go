package badgerstore

import (
	"encoding/json"

	"github.com/ttpnl/ttp/server/store"
)

// recipients is store.Recipients.
type recipients struct{ t *tx }

// recipientValue is a key as stored under recipientPrefix + name, in JSON.
type recipientValue struct {
	PublicKey  string `json:"public_key"`
	Registered stamp  `json:"registered"`
	Revision   uint64 `json:"revision"`
}

func decodeRecipient(name string, b []byte) (store.RecipientKey, error) {
	var v recipientValue
	if err := json.Unmarshal(b, &v); err != nil {
		return store.RecipientKey{}, corrupt("recipient key")
	}
	return store.RecipientKey{Name: name, PublicKey: v.PublicKey, Registered: v.Registered.time(), Revision: v.Revision}, nil
}

func (r recipients) Get(name string) (store.RecipientKey, error) {
	var k store.RecipientKey
	found, err := r.t.get("read recipient", nameKey(recipientPrefix, name), func(v []byte) (err error) {
		k, err = decodeRecipient(name, v)
		return err
	})
	if err == nil && !found {
		err = store.ErrNotFound
	}
	return k, err
}

func (r recipients) List() ([]store.RecipientKey, error) {
	var out []store.RecipientKey
	err := r.t.scan("list recipients", recipientPrefix, nil, false, func(k, v []byte) error {
		key, err := decodeRecipient(string(k), v)
		out = append(out, key)
		return err
	})
	return out, err
}

func (r recipients) Put(k store.RecipientKey) error {
	if err := r.t.writable(); err != nil {
		return err
	}
	old, err := r.Get(k.Name)
	switch {
	case err == nil:
		k.Revision = old.Revision + 1
	case err == store.ErrNotFound:
		k.Revision = 1
	default:
		return err
	}
	b, err := json.Marshal(recipientValue{PublicKey: k.PublicKey, Registered: toStamp(k.Registered), Revision: k.Revision})
	if err != nil {
		return err
	}
	return r.t.set("write recipient", nameKey(recipientPrefix, k.Name), b)
}
