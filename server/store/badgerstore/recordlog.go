package badgerstore

import (
	"cmp"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ttpnl/ttp/server/store"
)

// The record log keeps the index records out of Badger's tables. A record
// (~300 bytes: its blocks and the keyed encodings it is compared on) is
// appended to a segment file under DIR/records/ (again when its person
// changes: SetPerson), sealed with AES-GCM,
// and Badger keeps a 12-byte pointer to it under the record's key. In the
// tables a record of ~300 bytes was rewritten, decrypted and encrypted
// again, at every level a compaction took it through: a fifth of
// registration's CPU at a million records, and the CPU per record doubled
// from 100,000 to 1,000,000 persons.
//
// Why not Badger's own value log, which does the same: Badger reads it
// through a memory mapping, and on Linux 6.18 a read through a file mapping
// maps the page cache's whole folio around the page (hundreds of KiB, what
// ever madvise says), so random reads of records made the value log
// resident at hundreds of MB a second, faster than any trimming. The record
// log is read with pread: the page cache holds the pages, the process does
// not.
//
// Durability: a batch's records are written (pwrite) while its transaction
// runs, and Store.Update syncs the segment before it sends the commit that
// names them, so a committed pointer never points at bytes that a crash
// lost. Bytes that no commit names (a transaction that failed or was cut
// off by a crash) are garbage; the store starts a new segment every time it
// opens, so their offsets are never written again, and no nonce is used
// twice.
//
// Garbage: a deleted record's bytes, and the old bytes of a record whose
// person changed, stay in their segment. Nothing reclaims them yet: the
// disk cost is what withdrawals and person changes wrote.
//
// Each record is sealed under a key derived from the store key, with the
// nonce segment ‖ offset and the record's ID as additional data: a flipped
// bit, a pointer moved to another record's key, or a segment file swapped
// for another is an error (ErrCorrupt), never another record.

const (
	// recordPointerLen is the length of a Badger value that points into
	// the record log: segment (4) | offset (4) | length (4). An index
	// record written into Badger itself, as stores did before the record
	// log, is at least recordHeaderLen (17) long.
	recordPointerLen = 12
	// recordSegmentBytes is the size at which the log starts a segment.
	recordSegmentBytes = 128 << 20
	// recordKeyInfo labels the key records are sealed under (HKDF-SHA256
	// of the store's encryption key).
	recordKeyInfo = "ttp badgerstore record log v1"
)

// recordLog is the store's record log. Appends are serialised by mu;
// reads run beside them.
type recordLog struct {
	dir  string
	aead cipher.AEAD
	work *workCounters

	mu       sync.Mutex
	segment  uint32 // the segment being appended to; 0 before the first append
	end      int64  // where the next record goes in it
	unsynced []*os.File
	syncErr  error // the first failed sync's, returned by every later one

	filesMu sync.RWMutex
	files   map[uint32]*os.File // open segments, for reading and appending
	next    uint32              // the number the next new segment gets
}

func openRecordLog(dir string, encryptionKey []byte, work *workCounters) (*recordLog, error) {
	aead, err := newSubkeyAEAD(encryptionKey, recordKeyInfo)
	if err != nil {
		return nil, err
	}
	l := &recordLog{dir: filepath.Join(dir, "records"), aead: aead, work: work, files: map[uint32]*os.File{}, next: 1}
	if err := os.MkdirAll(l.dir, 0o700); err != nil {
		return nil, fmt.Errorf("open record log: %w", err)
	}
	names, err := filepath.Glob(filepath.Join(l.dir, "seg-*.ttp"))
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if n, ok := segmentNumber(filepath.Base(name)); ok && n >= l.next {
			l.next = n + 1
		}
	}
	return l, nil
}

func segmentFileName(n uint32) string { return fmt.Sprintf("seg-%08x.ttp", n) }

func segmentNumber(name string) (uint32, bool) {
	hex, ok := strings.CutPrefix(name, "seg-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(hex, ".ttp"), 16, 32)
	return uint32(n), err == nil && n > 0
}

// appendRecords seals each record's encoding and writes them all, in one
// write where they fit the segment; it returns the Badger value of each: a
// pointer.
func (l *recordLog) appendRecords(records []store.IndexRecord) ([][]byte, error) {
	encoded := make([][]byte, len(records))
	total := 0
	for i := range records {
		encoded[i] = encodeRecord(&records[i])
		total += len(encoded[i]) + l.aead.Overhead()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	pointers := make([][]byte, len(records))
	// Seal appends without growing the buffer ahead: give it room for all.
	buf := make([]byte, 0, min(total, recordSegmentBytes))
	start := l.end
	for i := range records {
		sealed := len(encoded[i]) + l.aead.Overhead()
		if l.segment == 0 || l.end+int64(sealed) > recordSegmentBytes {
			if err := l.write(buf, start); err != nil {
				return nil, err
			}
			if err := l.startSegment(); err != nil {
				return nil, err
			}
			buf, start = buf[:0], l.end
		}
		offset := uint32(l.end)
		buf = l.aead.Seal(buf, recordNonce(l.segment, offset), encoded[i], recordAAD(records[i].ID))
		l.end += int64(sealed)
		p := binary.BigEndian.AppendUint32(make([]byte, 0, recordPointerLen), l.segment)
		p = binary.BigEndian.AppendUint32(p, offset)
		pointers[i] = binary.BigEndian.AppendUint32(p, uint32(sealed))
	}
	if err := l.write(buf, start); err != nil {
		return nil, err
	}
	return pointers, nil
}

// write writes buf at offset of the current segment. l.mu is held.
func (l *recordLog) write(buf []byte, offset int64) error {
	if len(buf) == 0 {
		return nil
	}
	f := l.file(l.segment)
	if _, err := f.WriteAt(buf, offset); err != nil {
		return fmt.Errorf("badgerstore: write record log segment %d: %w", l.segment, err)
	}
	if len(l.unsynced) == 0 || l.unsynced[len(l.unsynced)-1] != f {
		l.unsynced = append(l.unsynced, f)
	}
	return nil
}

// startSegment creates the next segment and makes it the one appended to,
// with its directory entry on disk. l.mu is held.
func (l *recordLog) startSegment() error {
	l.filesMu.Lock()
	n := l.next
	l.next++
	l.filesMu.Unlock()
	f, err := os.OpenFile(filepath.Join(l.dir, segmentFileName(n)), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("badgerstore: start record log segment: %w", err)
	}
	if err := syncDir(l.dir); err != nil {
		f.Close()
		return err
	}
	l.filesMu.Lock()
	l.files[n] = f
	l.filesMu.Unlock()
	l.segment, l.end = n, 0
	return nil
}

// sync makes every record written before it is called durable;
// Store.UpdateAsync calls it before it sends a commit, beside the next
// batch's appends. The files are synced outside mu, so those appends do
// not wait for the disk (a file appended to meanwhile is synced again by
// the next call). A failed sync fails every later one: after a failed
// fsync the kernel may have dropped the pages, so nothing written before
// can be taken as durable.
func (l *recordLog) sync() error {
	l.mu.Lock()
	files, err := slices.Clone(l.unsynced), l.syncErr
	l.unsynced = l.unsynced[:0]
	l.mu.Unlock()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := f.Sync(); err != nil {
			err = fmt.Errorf("badgerstore: sync record log: %w", err)
			l.mu.Lock()
			l.syncErr = cmp.Or(l.syncErr, err)
			l.mu.Unlock()
			return err
		}
	}
	return nil
}

// read returns the encoding of record id from its pointer.
func (l *recordLog) read(id uint64, pointer []byte) ([]byte, error) {
	segment := binary.BigEndian.Uint32(pointer)
	offset := binary.BigEndian.Uint32(pointer[4:])
	n := binary.BigEndian.Uint32(pointer[8:])
	if segment == 0 || n < uint32(l.aead.Overhead()) || int64(offset)+int64(n) > recordSegmentBytes {
		return nil, corrupt("index record pointer")
	}
	f := l.file(segment)
	if f == nil {
		return nil, corrupt("index record (record log segment missing)")
	}
	l.work.recordReads.Add(1)
	sealed := make([]byte, n)
	if _, err := f.ReadAt(sealed, int64(offset)); err != nil {
		return nil, corrupt("index record (record log segment too short)")
	}
	plain, err := l.aead.Open(sealed[:0], recordNonce(segment, offset), sealed, recordAAD(id))
	if err != nil {
		return nil, corrupt("index record (record log)")
	}
	return plain, nil
}

// file is segment n opened, or nil if it does not exist.
func (l *recordLog) file(n uint32) *os.File {
	l.filesMu.RLock()
	f := l.files[n]
	l.filesMu.RUnlock()
	if f != nil {
		return f
	}
	l.filesMu.Lock()
	defer l.filesMu.Unlock()
	if f := l.files[n]; f != nil {
		return f
	}
	f, err := os.Open(filepath.Join(l.dir, segmentFileName(n)))
	if err != nil {
		return nil
	}
	l.files[n] = f
	return f
}

func (l *recordLog) close() error {
	l.filesMu.Lock()
	defer l.filesMu.Unlock()
	var first error
	for n, f := range l.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
		delete(l.files, n)
	}
	return first
}

func recordNonce(segment, offset uint32) []byte {
	nonce := make([]byte, 12)
	binary.BigEndian.PutUint32(nonce, segment)
	binary.BigEndian.PutUint32(nonce[4:], offset)
	return nonce
}

func recordAAD(id uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), id) }
