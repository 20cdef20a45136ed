package badgerstore

import "encoding/binary"

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
