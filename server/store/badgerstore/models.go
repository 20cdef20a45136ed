package badgerstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ttpnl/ttp/server/store"
)

// models is store.LinkageModels: each version under modelPrefix + version,
// in JSON. There are a handful; Activate rewrites the ones that change.
type models struct{ t *tx }

type modelValue struct {
	Data    []byte `json:"data"`
	Created stamp  `json:"created"`
	Active  bool   `json:"active,omitempty"`
}

func (m models) List() ([]store.LinkageModel, error) {
	var out []store.LinkageModel
	err := m.t.scan("list linkage models", modelPrefix, nil, false, func(k, v []byte) error {
		var mv modelValue
		if len(k) != 8 || json.Unmarshal(v, &mv) != nil {
			return corrupt("linkage model")
		}
		out = append(out, store.LinkageModel{Version: binary.BigEndian.Uint64(k), Data: cloneBytes(mv.Data), Created: mv.Created.time(), Active: mv.Active})
		return nil
	})
	return out, err
}

func (m models) Create(data []byte, created time.Time) (uint64, error) {
	if err := m.t.writable(); err != nil {
		return 0, err
	}
	all, err := m.List()
	if err != nil {
		return 0, err
	}
	v := uint64(len(all)) + 1
	return v, m.put(store.LinkageModel{Version: v, Data: data, Created: created})
}

func (m models) Activate(version uint64) error {
	if err := m.t.writable(); err != nil {
		return err
	}
	all, err := m.List()
	if err != nil {
		return err
	}
	if version == 0 || version > uint64(len(all)) {
		return fmt.Errorf("badgerstore: linkage model %d: %w", version, store.ErrNotFound)
	}
	for _, lm := range all {
		if want := lm.Version == version; lm.Active != want {
			lm.Active = want
			if err := m.put(lm); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m models) put(lm store.LinkageModel) error {
	b, err := json.Marshal(modelValue{Data: lm.Data, Created: toStamp(lm.Created), Active: lm.Active})
	if err != nil {
		return err
	}
	return m.t.set("write linkage model", numKey(modelPrefix, lm.Version), b)
}
