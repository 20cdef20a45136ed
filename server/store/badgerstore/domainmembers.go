package badgerstore

import "encoding/binary"

// This file keeps what the index knows of persons beyond their records:
// the domains they were registered through, and their objections.

// domainMemberKey is domainMemberPrefix + domain tag + person.
func domainMemberKey(domain, person uint64) []byte {
	return binary.BigEndian.AppendUint64(numKey(domainMemberPrefix, domain), person)
}

// AddToDomain writes a key per person: blind writes, so recording a person
// again costs no read.
func (ix index) AddToDomain(domain uint64, persons []uint64) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	for _, p := range persons {
		if err := ix.t.set("write domain member", domainMemberKey(domain, p), nil); err != nil {
			return err
		}
	}
	return nil
}

func (ix index) InDomain(domain uint64, persons []uint64) (map[uint64]bool, error) {
	out := make(map[uint64]bool, len(persons))
	for _, p := range persons {
		found, err := ix.t.has("read domain member", domainMemberKey(domain, p))
		if err != nil {
			return nil, err
		}
		if found {
			out[p] = true
		}
	}
	return out, nil
}

func (ix index) SetObjected(person uint64, objected bool) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	if objected {
		return ix.t.set("write objection", numKey(objectionPrefix, person), nil)
	}
	return ix.t.del("delete objection", numKey(objectionPrefix, person))
}

func (ix index) Objected(persons []uint64) (map[uint64]bool, error) {
	out := make(map[uint64]bool)
	key := make([]byte, 0, len(objectionPrefix)+8)
	for _, p := range persons {
		found, err := ix.t.has("read objection", appendNumKey(key[:0], objectionPrefix, p))
		if err != nil {
			return nil, err
		}
		if found {
			out[p] = true
		}
	}
	return out, nil
}

func (ix index) PutReidSources(sealed map[uint64][]byte) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	for id, b := range sealed {
		if err := ix.t.set("write re-identification source", numKey(reidPrefix, id), cloneBytes(b)); err != nil {
			return err
		}
	}
	return nil
}

func (ix index) ReidSources(ids []uint64) (map[uint64][]byte, error) {
	out := make(map[uint64][]byte)
	for _, id := range ids {
		_, err := ix.t.get("read re-identification source", numKey(reidPrefix, id), func(v []byte) error {
			out[id] = cloneBytes(v)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
