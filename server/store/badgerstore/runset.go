package badgerstore

import (
	"cmp"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
)

// The block postings (which records have a blocking key) are the index's
// largest and most written part: about six per record, nearly all of them
// of a block no other record has (a BSN, a birth date and postcode). As a
// Badger key each would cost a memtable insert and an encrypted log entry,
// two thirds of registration's writes. So they live apart, in a small
// log-structured set of our own:
//
//   - A committed batch's postings are one Badger value, its batch log
//     (postingLogPrefix and a sequence number), durable with the batch,
//     and its map of them joins the in-memory buffer as it is: a commit
//     costs the buffer one append under its lock, so lookups never wait
//     for a batch's postings to be copied (they did: a commit held the
//     lock for ~35 ms per 5,000 records, and the next batch's lookups
//     stood still meanwhile).
//   - When the buffer holds Config.PostingBufferPairs, it is frozen (still
//     looked up; a new buffer takes commits) and written to a run file
//     (runfile.go); in one Badger transaction the manifest names the run
//     and the batch logs are deleted.
//   - In the background, mergeFanIn runs of one level are merged into one
//     run of the next, leaving out deleted records; the manifest swaps
//     them in one transaction. A run file not in the manifest (a crash
//     between writing and swapping) is deleted at open.
//
// A lookup asks the buffers and the runs, newest first, and stops when it
// has enough members newer than the next run's; a run's Bloom filter rules
// out most without reading. With four runs per level and a buffer of 2^18
// pairs, ten million records make about ten runs, and each pair is
// rewritten about five times, in large sequential writes.
const mergeFanIn = 4

// postingSet is the committed postings: the buffer and the runs.
type postingSet struct {
	dir  string
	db   *badger.DB
	aead cipher.AEAD
	log  *slog.Logger
	work *workCounters

	// mu guards the buffer, the runs and the deleted records: lookups
	// read them, a commit, flush or merge changes them.
	mu       sync.RWMutex
	buf      batchPostings // committed batches' postings, not yet in a run
	bufPairs int
	flushAt  int // bufPairs that make a run
	// filters are the batches' Bloom filters, all the size of the
	// buffer's (room for flushAt blocks), used again once their batches
	// are in a run.
	filters filterPool
	bufLogs []uint64            // the batch logs the buffer holds
	frozen  batchPostings       // the buffer being written to a run
	runs    []*run              // by their largest ID, descending (byNewest)
	deleted map[uint64]struct{} // records deleted (tombstonePrefix), left out of lookups and merges

	// nextLog is the next batch log's number. Only Updates use it, and
	// they run one at a time (Store.mu).
	nextLog uint64

	// manifestMu serialises manifest writes (a flush, a merge's swap) and
	// guards nextRun, the next run file's number.
	manifestMu sync.Mutex
	nextRun    uint64

	pages *pageCache // decrypted run pages that lookups read; nil: none

	afterSwap func()        // a test's, called after each swap of runs, under manifestMu
	wake      chan struct{} // tells the merger that a run was added
	flushWake chan struct{} // tells the flusher that the buffer is full
	merging   atomic.Bool   // the merger is at work
}

// openPostings opens the postings of the store in dir: the runs the
// manifest names (other run files are deleted), the batch logs and the
// deleted records. Postings that an older version kept as Badger keys are
// moved into a run first.
func openPostings(dir string, db *badger.DB, encryptionKey []byte, log *slog.Logger, bufferPairs int, work *workCounters) (*postingSet, error) {
	aead, err := newRunAEAD(encryptionKey)
	if err != nil {
		return nil, err
	}
	p := &postingSet{dir: dir + "/postings", db: db, aead: aead, log: log, work: work, flushAt: max(bufferPairs, 1),
		deleted: map[uint64]struct{}{}, wake: make(chan struct{}, 1), flushWake: make(chan struct{}, 1), nextLog: 1}
	p.filters.words = bloomWords(int64(p.flushAt))
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return nil, fmt.Errorf("open posting runs: %w", err)
	}
	var live []uint64
	err = db.View(func(txn *badger.Txn) error {
		t := newTx(txn, false, nil)
		if _, err := t.get("read posting manifest", []byte(postingManifestKey), func(v []byte) (err error) {
			p.nextRun, live, err = decodeManifest(v)
			return err
		}); err != nil {
			return err
		}
		if err := t.scan("read posting logs", postingLogPrefix, nil, false, func(k, v []byte) error {
			if len(k) != 8 {
				return corrupt("posting log key")
			}
			seq := binary.BigEndian.Uint64(k)
			p.bufLogs = append(p.bufLogs, seq)
			p.nextLog = seq + 1
			postings := map[uint64][]uint64{}
			err := decodePairs(v, func(block, id uint64) {
				postings[block] = insertID(postings[block], id)
			})
			batch := newBatchPosting(postings, p.filters.get())
			p.buf.add(batch)
			p.bufPairs += batch.pairs
			return err
		}); err != nil {
			return err
		}
		return t.scan("read deleted records", tombstonePrefix, nil, true, func(k, _ []byte) error {
			if len(k) != 8 {
				return corrupt("deleted record key")
			}
			p.deleted[binary.BigEndian.Uint64(k)] = struct{}{}
			return nil
		})
	})
	if err == nil {
		err = p.openRuns(live)
	}
	if err == nil {
		err = p.migrateKeys()
	}
	if err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// openRuns opens the live runs and deletes every other run file.
func (p *postingSet) openRuns(live []uint64) error {
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return fmt.Errorf("open posting runs: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		hex, ok := strings.CutPrefix(name, "run-")
		hex, ok2 := strings.CutSuffix(hex, ".ttp")
		id, err := strconv.ParseUint(hex, 16, 64)
		if !ok || !ok2 || err != nil || slices.Contains(live, id) {
			continue
		}
		// Written by a flush or merge that did not reach the manifest.
		if err := os.Remove(p.dir + "/" + name); err != nil {
			return fmt.Errorf("remove unfinished posting run: %w", err)
		}
	}
	for _, id := range live {
		r, err := openRun(p.dir, id, p.aead)
		if err != nil {
			return err
		}
		p.runs = append(p.runs, r)
	}
	byNewest(p.runs)
	return nil
}

// close closes the run files. The merger must have stopped.
func (p *postingSet) close() {
	for _, r := range p.runs {
		r.f.Close()
	}
	p.runs = nil
}

// members appends to out up to perBlock committed IDs of block from each
// of the buffer and every run, the newest, leaving out IDs above maxID,
// deleted ones and those in exclude. The caller sorts.
func (p *postingSet) members(block uint64, perBlock int, maxID uint64, exclude []uint64, out []uint64) ([]uint64, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	live := func(id uint64) bool {
		_, gone := p.deleted[id]
		return id <= maxID && !gone && !slices.Contains(exclude, id)
	}
	h := blockHash(block)
	for _, buf := range [2]batchPostings{p.buf, p.frozen} {
		out = buf.members(block, h, perBlock, live, out)
	}
	// Counted once per lookup: atomic adds per run, which order memory,
	// kept the CPU from overlapping the runs' Bloom filter cache misses.
	var asked, pages, cached, empty int
	defer func() { p.work.lookedUp(asked, pages, cached, empty) }()
	for _, r := range p.runs {
		// The runs go newest first: once perBlock members are newer than
		// all of a run's, the older runs cannot add any.
		if newer(out, r.maxID) >= perBlock {
			break
		}
		asked++
		if !r.mayHave(block, h) {
			continue
		}
		before := len(out)
		var n, hits int
		var err error
		out, n, hits, err = r.read(block, perBlock, live, out, p.pages)
		pages += n
		cached += hits
		if n > 0 && len(out) == before {
			empty += n
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// logKey reserves the key of a committing batch's postings. Called only
// by Updates, one at a time.
func (p *postingSet) logKey() (uint64, []byte) {
	seq := p.nextLog
	p.nextLog++
	return seq, numKey(postingLogPrefix, seq)
}

// committed takes a committed transaction's postings (logged as seq) and
// deletions into the buffer, and flushes the buffer when it is full.
//
// added becomes part of the buffer: the caller must not change it after.
func (p *postingSet) committed(added map[uint64][]uint64, seq uint64, deleted []uint64) {
	var batch batchPosting
	if len(added) > 0 {
		batch = newBatchPosting(added, p.filters.get())
	}
	p.mu.Lock()
	if len(added) > 0 {
		p.buf.add(batch)
		p.bufPairs += batch.pairs
		p.bufLogs = append(p.bufLogs, seq)
	}
	for _, id := range deleted {
		p.deleted[id] = struct{}{}
	}
	full := p.bufPairs >= p.flushAt
	p.mu.Unlock()
	if full {
		// Not here: the next Update's commit waits for this one's
		// callback, and a flush (sorting and writing a run) held it up
		// ~80 ms every 27,000 records.
		select {
		case p.flushWake <- struct{}{}:
		default:
		}
	}
}

// flushLoop writes the buffer to a run whenever a commit finds it full,
// until stop is closed. If a flush fails, the batch logs keep the buffer
// durable, and the next full commit tries again.
func (p *postingSet) flushLoop(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-p.flushWake:
		}
		if err := p.flush(); err != nil {
			p.log.Error("posting buffer not written to a run", "err", err)
		}
	}
}

// flush writes the buffer to a run. The buffer is frozen (still looked
// up) and a new one takes commits meanwhile; if the run cannot be written,
// the frozen buffer goes back. Only flushLoop calls it, so one runs at a time.
func (p *postingSet) flush() error {
	p.mu.Lock()
	frozen, logs := p.buf, p.bufLogs
	p.frozen = frozen
	p.buf, p.bufPairs, p.bufLogs = batchPostings{}, 0, nil
	p.mu.Unlock()
	err := p.writeFrozen(frozen, logs)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		for _, b := range p.buf.batches {
			frozen.add(b)
		}
		p.buf = frozen
		p.bufPairs = frozen.pairs()
		p.bufLogs = append(logs, p.bufLogs...)
	} else {
		// The run took the frozen batches' place in the lookups when it
		// joined them (swapRuns, under mu): nothing reads their filters.
		for _, b := range frozen.batches {
			p.filters.put(b.bloom)
		}
	}
	p.frozen = batchPostings{}
	return err
}

// writeFrozen writes a frozen buffer to a run and, in one Badger
// transaction, names the run in the manifest and deletes the buffer's
// batch logs.
func (p *postingSet) writeFrozen(frozen batchPostings, logs []uint64) error {
	pairs := make([][2]uint64, 0, frozen.pairs())
	for _, batch := range frozen.batches {
		for block, ids := range batch.postings {
			for _, id := range ids {
				pairs = append(pairs, [2]uint64{block, id})
			}
		}
	}
	var logKeys [][]byte
	for _, seq := range logs {
		logKeys = append(logKeys, numKey(postingLogPrefix, seq))
	}
	return p.addRun(pairs, logKeys, true)
}

// addRun writes pairs (in any order) to a new run of level 0 and adds it,
// deleting deleteKeys in the same Badger transaction; ofFrozen says that
// the pairs are the frozen buffer's (see swapRuns).
func (p *postingSet) addRun(pairs [][2]uint64, deleteKeys [][]byte, ofFrozen bool) error {
	pairs = sortPairs(pairs)
	p.manifestMu.Lock()
	defer p.manifestMu.Unlock()
	r, err := p.writeRun(pairs, 0)
	if err != nil {
		return err
	}
	return p.swapRuns(nil, r, deleteKeys, ofFrozen)
}

// swapRuns puts out in the place of the runs in: in the manifest, in one
// Badger transaction that also deletes deleteKeys, then in memory; in's
// files go. If the manifest cannot be written, out's file goes. When out
// holds the frozen buffer (ofFrozen), the buffer leaves the lookups in the
// same step as out joins them: a lookup that saw both would count their
// postings twice, and stop before it has perBlock members (it stops
// asking older runs once it has that many newer ones). Called under
// manifestMu.
func (p *postingSet) swapRuns(in []*run, out *run, deleteKeys [][]byte, ofFrozen bool) error {
	p.mu.RLock()
	runs := slices.DeleteFunc(slices.Clone(p.runs), func(r *run) bool { return slices.Contains(in, r) })
	p.mu.RUnlock()
	runs = byNewest(append(runs, out))
	if err := p.writeManifest(runs, deleteKeys); err != nil {
		out.remove()
		return err
	}
	p.mu.Lock()
	p.runs = runs
	if ofFrozen {
		p.frozen = batchPostings{}
	}
	p.mu.Unlock()
	for _, r := range in {
		r.remove()
	}
	if p.afterSwap != nil {
		p.afterSwap()
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return nil
}

// writeRun writes pairs, sorted, to a new run of level, leaving out
// duplicates. Called under manifestMu.
func (p *postingSet) writeRun(pairs [][2]uint64, level int) (*run, error) {
	id := p.nextRun
	p.nextRun++
	w, err := newRunWriter(p.dir, id, level, int64(len(pairs)), p.aead, p.pages)
	if err != nil {
		return nil, err
	}
	for i, pr := range pairs {
		if i > 0 && pr == pairs[i-1] {
			continue
		}
		if err := w.add(pr[0], pr[1]); err != nil {
			w.abort()
			return nil, err
		}
	}
	r, err := w.finish()
	if err != nil {
		w.abort()
	}
	return r, err
}

// writeManifest commits, in one Badger transaction, the manifest naming
// runs (and the next run number after theirs) and the deletion of keys.
// Called under manifestMu.
func (p *postingSet) writeManifest(runs []*run, deleteKeys [][]byte) error {
	for _, r := range runs {
		p.nextRun = max(p.nextRun, r.id+1)
	}
	return p.db.Update(func(txn *badger.Txn) error {
		t := newTx(txn, true, nil)
		for _, k := range deleteKeys {
			if err := t.del("delete posting log", k); err != nil {
				return err
			}
		}
		return t.set("write posting manifest", []byte(postingManifestKey), encodeManifest(p.nextRun, runs))
	})
}

// mergeLoop merges runs in the background until stop is closed.
func (p *postingSet) mergeLoop(stop <-chan struct{}) {
	for {
		p.merging.Store(true)
		for {
			in := p.pickMerge()
			if in == nil {
				break
			}
			if err := p.merge(in, stop); err != nil {
				if err != errStop {
					p.log.Error("posting runs not merged", "err", err)
				}
				break
			}
		}
		p.merging.Store(false)
		select {
		case <-stop:
			return
		case <-p.wake:
		}
	}
}

// settled reports whether the buffer is not being written to a run nor
// full, and no runs are being merged or wait to be.
func (p *postingSet) settled() bool {
	p.mu.RLock()
	flushing := len(p.frozen.batches) > 0 || p.bufPairs >= p.flushAt
	p.mu.RUnlock()
	return !flushing && !p.merging.Load() && p.pickMerge() == nil
}

// pickMerge returns the runs of the lowest level that has mergeFanIn of
// them, or nil.
func (p *postingSet) pickMerge() []*run {
	p.mu.RLock()
	defer p.mu.RUnlock()
	byLevel := map[int][]*run{}
	for _, r := range p.runs {
		byLevel[r.level] = append(byLevel[r.level], r)
	}
	var pick []*run
	for _, rs := range byLevel {
		if len(rs) >= mergeFanIn && (pick == nil || rs[0].level < pick[0].level) {
			pick = rs
		}
	}
	return pick
}

// merge writes the pairs of in, less duplicates and deleted records, to one
// run of the next level and swaps it for them. It gives up with errStop
// when stop is closed.
func (p *postingSet) merge(in []*run, stop <-chan struct{}) error {
	p.mu.RLock()
	deleted := maps.Clone(p.deleted)
	p.mu.RUnlock()
	var capacity int64
	level := 0
	cursors := make([]*cursor, 0, len(in))
	for _, r := range in {
		capacity += r.pairs
		level = max(level, r.level+1)
		c := &cursor{r: r}
		ok, err := c.advance()
		if err != nil {
			return err
		}
		if ok {
			cursors = append(cursors, c)
		}
	}
	p.manifestMu.Lock()
	id := p.nextRun
	p.nextRun++
	p.manifestMu.Unlock()
	w, err := newRunWriter(p.dir, id, level, capacity, p.aead, p.pages)
	if err != nil {
		return err
	}
	var n int
	var lastB, lastID uint64
	for len(cursors) > 0 {
		if n++; n%(1<<16) == 0 {
			select {
			case <-stop:
				w.abort()
				return errStop
			default:
			}
		}
		m := 0
		for i, c := range cursors[1:] {
			if before(c.block, c.id, cursors[m].block, cursors[m].id) {
				m = i + 1
			}
		}
		c := cursors[m]
		b, id := c.block, c.id
		if _, gone := deleted[id]; !gone && (w.run.pairs == 0 || b != lastB || id != lastID) {
			if err := w.add(b, id); err != nil {
				w.abort()
				return err
			}
			lastB, lastID = b, id
		}
		ok, err := c.advance()
		if err != nil {
			w.abort()
			return err
		}
		if !ok {
			cursors = slices.Delete(cursors, m, m+1)
		}
	}
	out, err := w.finish()
	if err != nil {
		w.abort()
		return err
	}

	p.manifestMu.Lock()
	defer p.manifestMu.Unlock()
	if err := p.swapRuns(in, out, nil, false); err != nil {
		return err
	}
	p.log.Debug("posting runs merged", "runs", len(in), "level", level, "pairs", out.pairs)
	return nil
}

// encodeManifest: the next run number, then the runs' numbers.
func encodeManifest(nextRun uint64, runs []*run) []byte {
	b := binary.AppendUvarint(nil, nextRun)
	b = binary.AppendUvarint(b, uint64(len(runs)))
	for _, r := range runs {
		b = binary.AppendUvarint(b, r.id)
	}
	return b
}

func decodeManifest(b []byte) (nextRun uint64, runs []uint64, err error) {
	next := func() uint64 {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			err = corrupt("posting manifest")
			return 0
		}
		b = b[k:]
		return v
	}
	nextRun = next()
	n := next()
	if err == nil && n > uint64(len(b)) {
		err = corrupt("posting manifest")
	}
	for i := uint64(0); i < n && err == nil; i++ {
		id := next()
		if id >= nextRun {
			err = corrupt("posting manifest")
		}
		runs = append(runs, id)
	}
	if err == nil && len(b) != 0 {
		err = corrupt("posting manifest")
	}
	return nextRun, runs, err
}

// encodePairs encodes a batch log: per block (in any order), the block,
// its count and IDs.
func encodePairs(added map[uint64][]uint64) []byte {
	// Room for a block, a count and a six-byte ID each, the usual: growing
	// the value as it goes allocated twice what it wrote.
	b := make([]byte, 0, len(added)*(8+1+7))
	for block, ids := range added {
		b = binary.BigEndian.AppendUint64(b, block)
		b = binary.AppendUvarint(b, uint64(len(ids)))
		for _, id := range ids {
			b = binary.AppendUvarint(b, id)
		}
	}
	return b
}

func decodePairs(b []byte, fn func(block, id uint64)) error {
	for len(b) > 0 {
		if len(b) < 8 {
			return corrupt("posting log")
		}
		block := binary.BigEndian.Uint64(b)
		n, k := binary.Uvarint(b[8:])
		if k <= 0 || n > uint64(len(b)) {
			return corrupt("posting log")
		}
		b = b[8+k:]
		for range n {
			id, k := binary.Uvarint(b)
			if k <= 0 {
				return corrupt("posting log")
			}
			b = b[k:]
			fn(block, id)
		}
	}
	return nil
}

// batchPostings are committed batches' postings, oldest first, and a
// Bloom filter of all their blocks, the union of the batches' filters
// (all of one size, so that a batch joins it by OR-ing words): a lookup
// asks it once, where it asked each batch's filter (a buffer holds a
// dozen batches, and that was a twentieth of registration's CPU at a
// million records), and a batch's own filter only when it says yes.
type batchPostings struct {
	batches []batchPosting
	bloom   *bloomPart // nil when there are no batches
}

// add adds b (under the posting set's write lock).
func (bs *batchPostings) add(b batchPosting) {
	if bs.bloom == nil {
		bs.bloom = newBloomPartWords(uint64(len(b.bloom.words)))
	}
	for i, w := range b.bloom.words {
		bs.bloom.words[i] |= w
	}
	bs.batches = append(bs.batches, b)
}

// batchPosting is one batch's postings: block → IDs, ascending; never
// changed once committed, and a Bloom filter of its blocks.
type batchPosting struct {
	postings map[uint64][]uint64
	pairs    int // the postings, over all blocks
	bloom    *bloomPart
}

// filterPool keeps the batches' Bloom filters for the batches after them.
// A batch's filter is the size of the buffer's (it is OR-ed into it):
// 512 KiB for a thousand records, and one allocated per batch was 1.35 of
// 25.4 GB allocated over the two runs of ttpeval -speed.
type filterPool struct {
	words uint64 // every filter's size
	pool  sync.Pool
}

// get returns an empty filter.
func (fp *filterPool) get() *bloomPart {
	if b, ok := fp.pool.Get().(*bloomPart); ok {
		clear(b.words)
		b.added.Store(0)
		return b
	}
	return newBloomPartWords(fp.words)
}

// put keeps b, which nothing may read any more, for get.
func (fp *filterPool) put(b *bloomPart) {
	if b != nil && uint64(len(b.words)) == fp.words {
		fp.pool.Put(b)
	}
}

// newBatchPosting is a batch of postings with filter, empty, as its Bloom
// filter (filterPool).
func newBatchPosting(postings map[uint64][]uint64, filter *bloomPart) batchPosting {
	b := batchPosting{postings: postings, bloom: filter}
	for block, ids := range postings {
		b.pairs += len(ids)
		b.bloom.addUnshared(block, blockHash(block))
	}
	return b
}

// members appends up to perBlock of block's IDs (h is its blockHash) for
// which keep is true from each batch, newest first. That holds the
// perBlock newest of all batches (the caller sorts), though a batch's IDs
// need not all be above the batch's before (SetPerson posts an older
// record under its new person).
func (bs batchPostings) members(block, h uint64, perBlock int, keep func(uint64) bool, out []uint64) []uint64 {
	if bs.bloom == nil || !bs.bloom.has(block, h) {
		return out
	}
	for b := len(bs.batches) - 1; b >= 0; b-- {
		batch := &bs.batches[b]
		if !batch.bloom.has(block, h) {
			continue
		}
		ids := batch.postings[block]
		n := 0
		for i := len(ids) - 1; i >= 0 && n < perBlock; i-- {
			if keep(ids[i]) {
				out = append(out, ids[i])
				n++
			}
		}
	}
	return out
}

// pairs is how many postings the batches hold.
func (bs batchPostings) pairs() int {
	n := 0
	for _, batch := range bs.batches {
		n += batch.pairs
	}
	return n
}

// insertID inserts id into ascending ids, where registration's IDs
// nearly always go last.
func insertID(ids []uint64, id uint64) []uint64 {
	if len(ids) == 0 || id > ids[len(ids)-1] {
		return append(ids, id)
	}
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	return slices.Insert(ids, i, id)
}

// newer counts the IDs above id.
func newer(ids []uint64, id uint64) int {
	n := 0
	for _, x := range ids {
		if x > id {
			n++
		}
	}
	return n
}

// byNewest orders runs by their largest ID, descending, so that lookups
// can stop early (members).
func byNewest(runs []*run) []*run {
	slices.SortFunc(runs, func(a, b *run) int { return cmp.Compare(b.maxID, a.maxID) })
	return runs
}
