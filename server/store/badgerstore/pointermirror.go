package badgerstore

import (
	"encoding/binary"
	"sync/atomic"
)

// The pointer file (pointers.go) is read with a pread per record: at
// eleven million records registration reads some six candidates per
// record, and each pread is a system call of 1-3 µs on this machine. So
// the pointers of records that have not changed since they were added are
// also held in memory, packed into 8 bytes each (about 100 MB at twelve
// million records, in chunks allocated as IDs grow; pointer-free, so the
// collector does not scan them), up to a budget (Config.PointerMirrorBytes,
// 128 MiB by default: 16.7 million records), so that memory stays bounded
// however large the index grows.
//
// A record's pointer changes only when its person changes or it is
// deleted. The mirror takes a record's pointer when the commit that added
// it is durable (pointerFile.committed), and when any later commit changes
// the record, its entry becomes mirrorChanged for good: the file, with its
// commit numbers, answers from then on, so that a snapshot from before
// the change still reads the record as it was. A transaction uses an
// entry only for a record its snapshot has (pointerFile.read) and that no
// commit in flight at its snapshot changes (tx.changing).
type pointerMirror struct {
	chunks [mirrorChunks]atomic.Pointer[[mirrorChunkSlots]atomic.Uint64]
	// chunksAllowed bounds the memory (Config.PointerMirrorBytes): the
	// records of IDs beyond it are not mirrored.
	chunksAllowed uint64
}

const (
	mirrorChunkBits  = 16
	mirrorChunkSlots = 1 << mirrorChunkBits
	mirrorChunks     = 1 << 16 // record IDs below 2^32 are mirrored
	// mirrorChanged marks a record whose pointer changed: read the file.
	// A packed pointer has its top bit set; 0 is no entry.
	mirrorChanged = 1
)

// packPointer packs a record pointer (segment, offset, sealed length: 4
// bytes each) into 63 bits below the top bit, or returns false if one of
// them does not fit (such a record is read from the file).
func packPointer(p []byte) (uint64, bool) {
	segment := binary.BigEndian.Uint32(p[0:4])
	offset := binary.BigEndian.Uint32(p[4:8])
	length := binary.BigEndian.Uint32(p[8:12])
	if segment >= 1<<19 || length >= 1<<12 {
		return 0, false
	}
	return 1<<63 | uint64(segment)<<44 | uint64(offset)<<12 | uint64(length), true
}

func unpackPointer(v uint64) []byte {
	p := make([]byte, 0, recordPointerLen)
	p = binary.BigEndian.AppendUint32(p, uint32(v>>44)&(1<<19-1))
	p = binary.BigEndian.AppendUint32(p, uint32(v>>12))
	return binary.BigEndian.AppendUint32(p, uint32(v)&(1<<12-1))
}

// entry returns record id's entry, allocating its chunk if grow.
func (m *pointerMirror) entry(id uint64, grow bool) *atomic.Uint64 {
	c := id >> mirrorChunkBits
	if c >= m.chunksAllowed {
		return nil
	}
	chunk := m.chunks[c].Load()
	if chunk == nil {
		if !grow {
			return nil
		}
		// Chunks are allocated by commits' callbacks and at open, one
		// at a time.
		chunk = new([mirrorChunkSlots]atomic.Uint64)
		m.chunks[c].Store(chunk)
	}
	return &chunk[id%mirrorChunkSlots]
}

// added keeps the pointer of a record just added.
func (m *pointerMirror) added(id uint64, pointer []byte) {
	v, ok := packPointer(pointer)
	if !ok {
		v = mirrorChanged
	}
	if e := m.entry(id, true); e != nil {
		e.Store(v)
	}
}

// changed marks record id as changed (or deleted): the file answers.
func (m *pointerMirror) changed(id uint64) {
	if e := m.entry(id, true); e != nil {
		e.Store(mirrorChanged)
	}
}

// pointer returns record id's pointer, if the mirror holds it unchanged.
func (m *pointerMirror) pointer(id uint64) ([]byte, bool) {
	e := m.entry(id, false)
	if e == nil {
		return nil, false
	}
	v := e.Load()
	if v>>63 == 0 {
		return nil, false
	}
	return unpackPointer(v), true
}
