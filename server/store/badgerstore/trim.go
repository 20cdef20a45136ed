package badgerstore

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Badger maps its table files into memory and reads blocks from the
// mapping, so every page of a table that a read touches stays in the
// process's resident set (RSS) until the kernel needs the memory: reads
// spread over the whole index, and without a bound RSS would grow to the
// size of the database. The trimmer bounds it: every trimEvery, when more
// than Config.MappedBytes of file pages are resident, it tells the kernel
// that the process no longer needs them (madvise MADV_DONTNEED). The pages
// stay in the page cache, so the next read of one costs a minor fault, not
// a disk read.
//
// MADV_DONTNEED on memory that is no longer the table's mapping would
// discard whatever is there now, so the trimmer only advises tables that
// cannot be unmapped meanwhile: those an open iterator pins (an iterator
// holds a reference to every table it spans, and Badger unmaps a table only
// when its last reference goes), which are those in the levels both before
// and after the iterator was made.

// trimEvery is how often the trimmer looks at the resident file pages (a
// read of /proc/self/status, some 20 µs). They grow fast: compactions write
// new tables through their mappings, and a read through a mapping maps not
// one page but the page cache's whole folio around it, hundreds of KiB on
// Linux 6.18 whatever madvise says (MADV_RANDOM, MADV_NOHUGEPAGE), so
// reads that miss the block cache make tens of MB resident a second at ten
// million records.
const trimEvery = 50 * time.Millisecond

// trimmer runs until the store closes.
func (s *Store) trimmer(dir string, budget int64) {
	tick := time.NewTicker(trimEvery)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
		if resident := residentFileBytes(); resident >= 0 && resident <= budget {
			continue
		}
		if err := s.trim(dir); err != nil {
			s.log.Warn("badgerstore: cannot release table pages", "err", err)
		}
	}
}

// trim releases the resident pages of every table it can pin.
func (s *Store) trim(dir string) error {
	before := tableIDs(s.db)
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{}) // pins every table
	defer it.Close()
	pinned := map[string]bool{}
	for id := range tableIDs(s.db) {
		if before[id] {
			pinned[filepath.Join(dir, fmt.Sprintf("%06d.sst", id))] = true
		}
	}
	ranges, err := mappedRanges(pinned)
	if err != nil {
		return err
	}
	var first error
	for _, r := range ranges {
		if err := releasePages(r.start, r.end-r.start); err != nil && first == nil {
			first = fmt.Errorf("madvise %d bytes: %w", r.end-r.start, err)
		}
	}
	return first
}

// tableIDs are the IDs of the tables in the levels now.
func tableIDs(db *badger.DB) map[uint64]bool {
	ids := map[uint64]bool{}
	for _, t := range db.Tables() {
		ids[t.ID] = true
	}
	return ids
}

type addrRange struct{ start, end uintptr }

// mappedRanges reads /proc/self/maps for the ranges that map the given
// files.
func mappedRanges(files map[string]bool) ([]addrRange, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []addrRange
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || !files[fields[5]] {
			continue
		}
		start, end, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		a, err1 := strconv.ParseUint(start, 16, 64)
		b, err2 := strconv.ParseUint(end, 16, 64)
		if err1 == nil && err2 == nil && b > a {
			out = append(out, addrRange{uintptr(a), uintptr(b)})
		}
	}
	return out, sc.Err()
}

// residentFileBytes is the process's resident file-backed memory
// (RssFile), or -1 when unknown.
func residentFileBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("RssFile:")); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}
