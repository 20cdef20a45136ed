package badgerstore

import "encoding/binary"

// counters are the numbers that every transaction may advance, in one key
// (countersKey) that a transaction reads once and writes once, at commit.
type counters struct {
	nextID     uint64 // the next record ID to reserve; 0 stands for 1
	records    int64  // records in the index
	persons    int64  // persons recorded by AddPersons, less RemovePerson
	lastChange uint64 // Seq of the last person change
	lastAudit  uint64 // Seq of the last audit entry
	topID      uint64 // the largest record ID stored: Add need not look up larger ones
	nextPerson uint64 // the next person ID to reserve; 0 stands for 1
}

// countersLen is the counters' length; a store from before reserved
// person IDs has countersV1Len, without nextPerson.
const (
	countersLen   = 7 * 8
	countersV1Len = 6 * 8
)

func (c counters) encode() []byte {
	b := make([]byte, 0, countersLen)
	b = binary.BigEndian.AppendUint64(b, c.nextID)
	b = binary.BigEndian.AppendUint64(b, uint64(c.records))
	b = binary.BigEndian.AppendUint64(b, uint64(c.persons))
	b = binary.BigEndian.AppendUint64(b, c.lastChange)
	b = binary.BigEndian.AppendUint64(b, c.lastAudit)
	b = binary.BigEndian.AppendUint64(b, c.topID)
	return binary.BigEndian.AppendUint64(b, c.nextPerson)
}

func decodeCounters(b []byte) (counters, error) {
	if len(b) != countersLen && len(b) != countersV1Len {
		return counters{}, corrupt("counters")
	}
	u := func(i int) uint64 {
		if 8*i >= len(b) {
			return 0
		}
		return binary.BigEndian.Uint64(b[8*i:])
	}
	return counters{nextID: u(0), records: int64(u(1)), persons: int64(u(2)), lastChange: u(3), lastAudit: u(4), topID: u(5), nextPerson: u(6)}, nil
}

// counters returns the transaction's counters, reading them on first use.
// A method that changes them calls changed. Reads of a View may run
// concurrently (store.Tx), so the first use is guarded.
func (t *tx) counters() (*counters, error) {
	t.ctrMu.Lock()
	defer t.ctrMu.Unlock()
	if t.ctrLoaded {
		return &t.ctr, nil
	}
	_, err := t.get("read counters", []byte(countersKey), func(v []byte) error {
		var err error
		t.ctr, err = decodeCounters(v)
		return err
	})
	if err != nil {
		return nil, err
	}
	t.ctrLoaded = true
	return &t.ctr, nil
}

// changed marks the counters to be written at commit.
func (t *tx) changed() { t.ctrDirty = true }
