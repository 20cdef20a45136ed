package badgerstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/ttpnl/ttp/server/store"
)

// requests is store.LinkageRequests: each request under requestPrefix + ID.
// There are few (a registry files a handful a month), so Create finds the
// next ID by reading the last key; Updates run one at a time (Store.mu).
type requests struct{ t *tx }

// requestValue is a request as stored, in JSON.
type requestValue struct {
	Data     []byte `json:"data"`
	Revision uint64 `json:"revision"`
}

func decodeRequest(id uint64, b []byte) (store.LinkageRequest, error) {
	var v requestValue
	if err := json.Unmarshal(b, &v); err != nil || v.Revision == 0 {
		return store.LinkageRequest{}, corrupt("linkage request")
	}
	return store.LinkageRequest{ID: id, Data: cloneBytes(v.Data), Revision: v.Revision}, nil
}

func (r requests) Get(id uint64) (store.LinkageRequest, error) {
	var q store.LinkageRequest
	found, err := r.t.get("read linkage request", numKey(requestPrefix, id), func(v []byte) (err error) {
		q, err = decodeRequest(id, v)
		return err
	})
	if err == nil && !found {
		err = fmt.Errorf("badgerstore: linkage request %d: %w", id, store.ErrNotFound)
	}
	return q, err
}

func (r requests) List() ([]store.LinkageRequest, error) {
	var out []store.LinkageRequest
	err := r.t.scan("list linkage requests", requestPrefix, nil, false, func(k, v []byte) error {
		if len(k) != 8 {
			return corrupt("linkage request key")
		}
		q, err := decodeRequest(binary.BigEndian.Uint64(k), v)
		out = append(out, q)
		return err
	})
	return out, err
}

func (r requests) Create(data []byte) (uint64, error) {
	if err := r.t.writable(); err != nil {
		return 0, err
	}
	var last uint64
	err := r.t.scan("read linkage request IDs", requestPrefix, nil, true, func(k, _ []byte) error {
		if len(k) != 8 {
			return corrupt("linkage request key")
		}
		last = binary.BigEndian.Uint64(k)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return last + 1, r.put(store.LinkageRequest{ID: last + 1, Data: data, Revision: 1})
}

func (r requests) Update(q store.LinkageRequest) error {
	if err := r.t.writable(); err != nil {
		return err
	}
	old, err := r.Get(q.ID)
	if err != nil {
		return err
	}
	q.Revision = old.Revision + 1
	return r.put(q)
}

func (r requests) put(q store.LinkageRequest) error {
	b, err := json.Marshal(requestValue{Data: q.Data, Revision: q.Revision})
	if err != nil {
		return err
	}
	return r.t.set("write linkage request", numKey(requestPrefix, q.ID), b)
}
