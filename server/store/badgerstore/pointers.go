package badgerstore

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// A record's pointer into the record log (recordlog.go) is in Badger, in
// its group (pointergroups.go), and Badger stays where it is true. But
// once the index outgrows Badger's block cache, a pointer read decrypts a
// table block of 4 KiB for 12 bytes: at eleven million records that was
// most of registration's cost.
// So the pointers are also kept in a file of their own, addressed by
// record ID (IDs are dense), one slot of slotBytes each, read with one
// pread from the page cache, which is not the process's memory:
//
//	[0:8)   the commit that wrote the slot (pointerFile.durable), 0: none
//	[8:20)  the pointer; all zero: the record was deleted
//	[20:24) CRC-32C of the record ID and bytes [0:20)
//
// The file follows Badger, never leads it: a commit's pointers are written
// in its callback, once it is durable, and a transaction uses a slot only
// if its commit was durable before the transaction's snapshot was taken
// (tx.slotsVisible); anything else (a slot written later, a torn or
// flipped slot that fails its check, a hole) is read from Badger as
// before. So a View never sees a pointer newer than its snapshot.
//
// The file is not synced with the commits. It is trusted at open only if
// the store was closed cleanly, which pointerFileCleanKey records (and
// opening deletes, durably, before anything is served), and only if the
// mark names the file's generation, a random number each open writes into
// slot 0: a Badger directory and a pointer file restored from different
// backups do not match. Otherwise it is rebuilt from Badger's pointers
// before the store opens.
type pointerFile struct {
	f    *os.File
	work *workCounters
	// durable is the last commit whose pointers are in the file; next is
	// the number the next commit gets (Updates only, under Store.mu).
	durable atomic.Uint64
	next    uint64
	// broken is set when a write failed: the file may then hold slots
	// older than their commits say, so it is read no more, and rebuilt at
	// the next open.
	broken atomic.Bool
	log    *slog.Logger
	// crashAtClose, set by tests, leaves the store closed as a crash
	// would: without the mark.
	crashAtClose bool
	gen          [16]byte // the file's generation (newGeneration)

	// changing holds, per commit sent whose pointers are not yet in the
	// file, the records it changed or deleted (see changingRecords).
	changingMu sync.Mutex
	changing   map[uint64][]uint64
	// mirror holds the pointers of records unchanged since they were
	// added, in memory (pointermirror.go).
	mirror pointerMirror
	// beforeWrite, set by tests, runs in a commit's callback before its
	// pointers are written.
	beforeWrite func()
}

const (
	slotBytes       = 24
	pointerFileName = "pointers"
)

var slotCRC = crc32.MakeTable(crc32.Castagnoli)

// openPointerFile opens the pointer file of the store in dir, rebuilding
// it from db unless the store was closed cleanly.
func openPointerFile(dir string, db *badger.DB, log *slog.Logger, work *workCounters, mirrorBytes int64) (*pointerFile, error) {
	f, err := os.OpenFile(filepath.Join(dir, "records", pointerFileName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("badgerstore: open pointer file: %w", err)
	}
	pf := &pointerFile{f: f, work: work, log: log}
	pf.mirror.chunksAllowed = uint64(min(max(mirrorBytes, 0)/(mirrorChunkSlots*8), mirrorChunks))
	var clean []byte
	err = db.View(func(txn *badger.Txn) error {
		_, err := newTx(txn, false, nil).get("read pointer file mark", []byte(pointerFileCleanKey), func(v []byte) error {
			clean = slices.Clone(v)
			return nil
		})
		return err
	})
	var gen [16]byte
	f.ReadAt(gen[:], 0) // a short or empty file: no generation, no match
	switch {
	case err != nil:
	case len(clean) == 8+len(gen) && bytes.Equal(clean[8:], gen[:]):
		// Deleted before anything is served: a crash from now on leaves
		// no mark, and the next open rebuilds.
		pf.durable.Store(binary.BigEndian.Uint64(clean))
		err = db.Update(func(txn *badger.Txn) error {
			return newTx(txn, true, nil).del("delete pointer file mark", []byte(pointerFileCleanKey))
		})
	default:
		// Not closed cleanly, or the mark is of another generation of
		// the file (Badger and the file restored from different times).
		err = pf.rebuild(db)
	}
	if err == nil {
		err = pf.newGeneration()
	}
	if err == nil {
		err = pf.fillMirror()
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	pf.next = pf.durable.Load() + 1
	return pf, nil
}

// fillMirror puts every pointer of the file, as it is at open, into the
// mirror: no snapshot is older than that.
func (pf *pointerFile) fillMirror() error {
	r := bufio.NewReaderSize(io.NewSectionReader(pf.f, slotBytes, 1<<62), 1<<20)
	var slot [slotBytes]byte
	for id := uint64(1); ; id++ {
		if _, err := io.ReadFull(r, slot[:]); err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("badgerstore: read pointer file: %w", err)
		}
		switch _, p, ok := decodeSlot(id, slot[:]); {
		case !ok: // an empty or torn slot: Badger answers
		case p != nil:
			pf.mirror.added(id, p)
		default: // deleted
			pf.mirror.changed(id)
		}
	}
}

// newGeneration gives the file a new random generation, in slot 0 (record
// IDs start at 1), which the mark of a clean close names: a mark matches
// only the file as this process leaves it.
func (pf *pointerFile) newGeneration() error {
	rand.Read(pf.gen[:])
	if _, err := pf.f.WriteAt(pf.gen[:], 0); err != nil {
		return fmt.Errorf("badgerstore: write pointer file: %w", err)
	}
	return nil
}

// rebuild writes every pointer Badger holds into an emptied file, as
// commit 1.
func (pf *pointerFile) rebuild(db *badger.DB) error {
	start := time.Now()
	if err := pf.f.Truncate(0); err != nil {
		return fmt.Errorf("badgerstore: rebuild pointer file: %w", err)
	}
	var run slotRun
	var n int
	err := db.View(func(txn *badger.Txn) error {
		t := newTx(txn, false, nil)
		err := t.scan("rebuild pointer file", recordPrefix, nil, false, func(k, v []byte) error {
			if len(k) != 8 || len(v) != recordPointerLen {
				return nil // an old store's record kept whole: read from Badger
			}
			n++
			return run.add(pf.f, binary.BigEndian.Uint64(k), 1, v)
		})
		if err == nil {
			// The groups' slots after the older keys: where a record has
			// both, the group's is the newer.
			err = run.write(pf.f)
		}
		if err != nil {
			return err
		}
		// A record without a slot in its group is left to Badger (an
		// older key, or none).
		return t.scan("rebuild pointer file", pointerGroupPrefix, nil, false, func(k, v []byte) error {
			return eachGroupPointer(k, v, func(id uint64, p []byte) error {
				n++
				return run.add(pf.f, id, 1, p)
			})
		})
	})
	if err == nil {
		err = run.write(pf.f)
	}
	if err != nil {
		return fmt.Errorf("badgerstore: rebuild pointer file: %w", err)
	}
	pf.durable.Store(1)
	if n > 0 {
		pf.log.Info("pointer file rebuilt: the store was not closed cleanly", "records", n, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// slotRun collects slots of consecutive IDs, to write them at once.
type slotRun struct {
	first uint64
	buf   []byte
}

func (r *slotRun) add(f *os.File, id, commit uint64, pointer []byte) error {
	if len(r.buf) > 0 && (id != r.first+uint64(len(r.buf)/slotBytes) || len(r.buf) >= 1<<16) {
		if err := r.write(f); err != nil {
			return err
		}
	}
	if len(r.buf) == 0 {
		r.first = id
	}
	r.buf = appendSlot(r.buf, id, commit, pointer)
	return nil
}

func (r *slotRun) write(f *os.File) error {
	if len(r.buf) == 0 {
		return nil
	}
	_, err := f.WriteAt(r.buf, int64(r.first)*slotBytes)
	r.buf = r.buf[:0]
	return err
}

// appendSlot appends record id's slot: its pointer as of commit, or, for
// a nil pointer, its deletion.
func appendSlot(dst []byte, id, commit uint64, pointer []byte) []byte {
	start := len(dst)
	dst = binary.BigEndian.AppendUint64(dst, commit)
	if pointer == nil {
		pointer = deletedPointer[:]
	}
	dst = append(dst, pointer...)
	return binary.BigEndian.AppendUint32(dst, slotCheck(id, dst[start:]))
}

func slotCheck(id uint64, slot []byte) uint32 {
	var idb [8]byte
	binary.BigEndian.PutUint64(idb[:], id)
	return crc32.Update(crc32.Update(0, slotCRC, idb[:]), slotCRC, slot[:20])
}

// read returns record id's pointer as seen by a transaction to which the
// commits up to visible are visible and the records up to maxID: ok is
// false when the file cannot say (read Badger), pointer nil when the
// record was deleted.
func (pf *pointerFile) read(id, visible, maxID uint64) (pointer []byte, ok bool) {
	if pf == nil || pf.broken.Load() {
		return nil, false
	}
	if id <= maxID {
		if p, ok := pf.mirror.pointer(id); ok {
			pf.work.pointerMirrorHits.Add(1)
			return p, true
		}
	}
	var slot [slotBytes]byte
	if n, err := pf.f.ReadAt(slot[:], int64(id)*slotBytes); n != slotBytes {
		if err != nil && !errors.Is(err, io.EOF) {
			pf.log.Warn("pointer file not readable; reading Badger", "err", err)
		}
		return nil, false
	}
	commit, pointer, ok := decodeSlot(id, slot[:])
	if !ok || commit > visible {
		return nil, false
	}
	pf.work.pointerSlotHits.Add(1)
	return slices.Clone(pointer), true
}

// decodeSlot returns record id's slot's commit and pointer (nil: the
// record was deleted; it points into slot); ok is false for an empty slot
// or one that fails its check.
func decodeSlot(id uint64, slot []byte) (commit uint64, pointer []byte, ok bool) {
	commit = binary.BigEndian.Uint64(slot[:8])
	if commit == 0 || binary.BigEndian.Uint32(slot[20:]) != slotCheck(id, slot) {
		return 0, nil, false
	}
	if p := slot[8:20]; !bytes.Equal(p, deletedPointer[:]) {
		return commit, p, true
	}
	return commit, nil, true
}

// Badger makes a commit visible to new snapshots before its callback runs,
// and the callback writes the commit's pointers into the file. A
// transaction whose snapshot was taken in between has the commit, but not
// its pointers among the slots it may use (slotsVisible is read before the
// snapshot): for a record the commit added, the slot is empty or
// invisible, so Badger answers; but for a record the commit changed (a
// person changed) or deleted (a patient's objection), the slot still holds
// the pointer of an older, visible commit, which would read the record as
// it was before the snapshot. So each commit that changes records names
// them here until its pointers are in the file, and a transaction takes
// the names of the commits in flight after its snapshot: it reads those
// records from Badger.

// changes records that commit changes or deletes, until settled.
func (pf *pointerFile) changes(commit uint64, records []uint64) {
	if len(records) == 0 {
		return
	}
	pf.changingMu.Lock()
	defer pf.changingMu.Unlock()
	if pf.changing == nil {
		pf.changing = map[uint64][]uint64{}
	}
	pf.changing[commit] = records
}

// settled forgets commit's records: its callback has written its pointers
// (or it failed, and changed nothing).
func (pf *pointerFile) settled(commit uint64) {
	pf.changingMu.Lock()
	defer pf.changingMu.Unlock()
	delete(pf.changing, commit)
}

// changingRecords returns the records that commits in flight change or
// delete: nil when there are none, as nearly always. Call it after taking
// the snapshot.
func (pf *pointerFile) changingRecords() map[uint64]struct{} {
	pf.changingMu.Lock()
	defer pf.changingMu.Unlock()
	if len(pf.changing) == 0 {
		return nil
	}
	out := map[uint64]struct{}{}
	for _, ids := range pf.changing {
		for _, id := range ids {
			out[id] = struct{}{}
		}
	}
	return out
}

// deletedPointer is the pointer of a deleted record's slot.
var deletedPointer [recordPointerLen]byte

// committed writes the pointers of commit (nil: deleted) once it is
// durable, then makes them visible; changed are the records among them
// that existed before the commit. Commits come one at a time, in order.
func (pf *pointerFile) committed(commit uint64, pointers map[uint64][]byte, changed []uint64) {
	if pf.broken.Load() {
		return
	}
	if pf.beforeWrite != nil {
		pf.beforeWrite()
	}
	// The mirror first: a View's snapshot may have the commit already,
	// and reads a changed record from Badger (tx.changing) until the
	// commit is settled, after this. A changed record is marked before
	// anything is added, so that its new pointer is never in the mirror.
	var isChanged map[uint64]bool // nil, as in registration, when none
	for _, id := range changed {
		pf.mirror.changed(id)
		if isChanged == nil {
			isChanged = make(map[uint64]bool, len(changed))
		}
		isChanged[id] = true
	}
	for id, p := range pointers {
		switch {
		case isChanged[id]:
		case len(p) == recordPointerLen:
			pf.mirror.added(id, p)
		default:
			pf.mirror.changed(id)
		}
	}
	var run slotRun
	for _, id := range slices.Sorted(maps.Keys(pointers)) {
		p, c := pointers[id], commit
		if p != nil && len(p) != recordPointerLen {
			p, c = nil, 0 // not a pointer: an empty slot, read from Badger
		}
		if err := run.add(pf.f, id, c, p); err != nil {
			pf.fail(err)
			return
		}
	}
	if err := run.write(pf.f); err != nil {
		pf.fail(err)
		return
	}
	pf.durable.Store(commit)
}

func (pf *pointerFile) fail(err error) {
	pf.broken.Store(true)
	pf.log.Error("pointer file not written: record pointers are read from Badger until the store opens again, which rebuilds it", "err", err)
}

// close syncs the file and, if it is whole, marks the store clean: the
// next open uses the file as it is. Every commit must be done.
func (pf *pointerFile) close(db *badger.DB) error {
	defer pf.f.Close()
	if pf.broken.Load() || pf.crashAtClose {
		return nil
	}
	if err := pf.f.Sync(); err != nil {
		return fmt.Errorf("badgerstore: sync pointer file: %w", err)
	}
	return db.Update(func(txn *badger.Txn) error {
		mark := append(binary.BigEndian.AppendUint64(nil, pf.durable.Load()), pf.gen[:]...)
		return newTx(txn, true, nil).set("mark pointer file clean", []byte(pointerFileCleanKey), mark)
	})
}
