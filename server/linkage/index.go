package linkage

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ttpnl/ttp/server/store"
)

// MaxBlock bounds how many members of one block a new record is compared
// with (the most recent ones). It keeps the cost per record flat however
// large the index grows; a block that large is a common combination that
// says little anyway.
const MaxBlock = 64

// MaxBatch bounds the records of one Register call: one store transaction,
// which must stay small enough for every backend.
const MaxBatch = 1000

// Decision is what registration did with a record.
type Decision uint8

const (
	// Known: the source record was registered before; nothing changed.
	Known Decision = iota + 1
	// Linked: the record joined an existing person.
	Linked
	// New: the record made a new person.
	New
	// Review: the record made a new person, and a review item asks a clerk
	// whether it is in fact the candidate person.
	Review
	// Objected: the record is of a person who objected to registration; it
	// is not kept (Registration decides this after matching).
	Objected
)

func (d Decision) String() string {
	return [...]string{"", "known", "linked", "new", "review", "objected"}[d]
}

// Result is the outcome for one record.
type Result struct {
	Record    uint64 // the record's ID: the known one, or the one added
	Person    uint64 // the record's person (internal ID)
	Decision  Decision
	Score     float64 // best candidate's score; 0 when there was none
	Candidate uint64  // for Review: the person it may be
	// Pattern is the agreement with the best candidate for Linked and
	// Review: what decided it, for a review item and for evaluation.
	Pattern Pattern
}

// Index is the person index. It lives in the store, not in memory: a new
// record's candidates are read by blocking key, so memory does not grow with
// the number of persons, and several servers on a shared store work on one
// index. Registration is serialised by the store's index lock: records of
// one batch are matched in order, so two records of the same new person in
// one batch find each other, and two servers never make two persons of one.
type Index struct {
	st    store.Store
	model atomic.Pointer[Model] // swapped whole by SetModel
	cache *candidateCache
	// caching runs the puts of batches whose commits are durable
	// (RegisterAsync).
	caching sync.WaitGroup
	work    workCounters

	// domainTags lists the tags (Encoder.DomainTag) of every domain, for
	// merges and splits to carry a person's domains over; nil: none.
	domainTags func() []uint64
}

// TrackDomains gives the index the tags of every domain (they change as
// domains are made), so that a person made by a merge or a split belongs
// to the domains the person it came from belonged to. It returns ix.
func (ix *Index) TrackDomains(tags func() []uint64) *Index {
	ix.domainTags = tags
	return ix
}

// Open returns the index kept in st, matching with model, with a candidate
// cache of DefaultCacheRecords records.
func Open(st store.Store, model *Model) *Index {
	return OpenWithCache(st, model, DefaultCacheRecords)
}

// OpenWithCache is Open with a candidate cache of the given number of
// records.
func OpenWithCache(st store.Store, model *Model, cacheRecords int) *Index {
	ix := &Index{st: st, cache: newCandidateCache(cacheRecords)}
	ix.model.Store(model)
	return ix
}

// Model is the model registration uses now.
func (ix *Index) Model() *Model { return ix.model.Load() }

// SetModel makes registration use m from the next batch on; past
// decisions stay as they were.
func (ix *Index) SetModel(m *Model) { ix.model.Store(m) }

// Stats counts the index's records and persons.
func (ix *Index) Stats(ctx context.Context) (store.IndexStats, error) {
	var s store.IndexStats
	err := ix.st.View(ctx, func(tx store.Tx) error {
		var err error
		s, err = tx.Index().Stats()
		return err
	})
	return s, err
}

// Register matches and stores a batch of at most MaxBatch records in one
// transaction; the batch is durable when Register returns. commit, if not
// nil, adds to the transaction what depends on the results (the server's
// audit record).
func (ix *Index) Register(ctx context.Context, batch []Encoded, commit func(tx store.Tx, results []Result) error) ([]Result, error) {
	results, wait, err := ix.RegisterAsync(ctx, batch, commit)
	if err != nil {
		return nil, err
	}
	return results, wait()
}

// RegisterAsync is Register that may return before the batch is durable
// (store.Store.UpdateAsync): the results are final only when wait returns
// nil, and must not be given out before. The next batch may be registered
// meanwhile; it sees this one.
func (ix *Index) RegisterAsync(ctx context.Context, batch []Encoded, commit func(tx store.Tx, results []Result) error) (results []Result, wait func() error, err error) {
	if len(batch) > MaxBatch {
		return nil, nil, fmt.Errorf("linkage: %d records in one batch; at most %d", len(batch), MaxBatch)
	}
	var st *batchState
	durable, err := ix.st.UpdateAsync(ctx, func(tx store.Tx) error {
		var err error
		if results, st, err = ix.register(tx.Index(), batch); err != nil {
			return err
		}
		if commit != nil {
			return commit(tx, results)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("register in the person index: %w", err)
	}
	var once sync.Once
	wait = func() error {
		err := durable()
		once.Do(func() {
			// Only now are the new records in the store: a rolled-back
			// batch's IDs may be handed out again. So may those of the
			// batch before, whose writes this one may have read before
			// they were durable: its candidates wait too. They go into
			// the cache beside the next batch's registration, which is
			// the critical path (a thousand puts are about a millisecond);
			// a record that batch changes is kept out by put's seq.
			ix.caching.Go(func() {
				if err == nil {
					for _, ids := range [][]uint64{st.read, st.fresh} {
						for _, id := range ids {
							ix.cache.put(id, *st.cands[id], st.seq)
						}
					}
				}
				st.release()
			})
		})
		if err != nil {
			return fmt.Errorf("register in the person index: %w", err)
		}
		return nil
	}
	return results, wait, nil
}

// candidate is a registered record as matching sees it.
type candidate struct {
	person uint64
	f      Features
}

// batchState is one registration: the candidates read from the store and the
// records of the batch registered so far. Its maps and candidates are used
// again by a later batch once this one's are in the cache (release): made
// anew for every batch they were a tenth of all allocation.
type batchState struct {
	cands   map[uint64]*candidate // record ID → candidate
	members map[uint64][]uint64   // block → stored members, newest first
	added   map[uint64][]uint64   // block → this batch's new records, oldest first
	inBatch map[uint64]uint64     // source key → record ID, for a source twice in one batch
	fresh   []uint64              // this batch's new records
	read    []uint64              // candidates read from the store
	seen    map[uint64]struct{}   // candidates already compared for the current record
	seq     uint64                // the change log's end when the batch began
	model   *Model                // the model the batch is matched under
	slab    candidateSlab         // the candidates that cands points to
}

var batchStates = sync.Pool{New: func() any {
	return &batchState{cands: map[uint64]*candidate{}, added: map[uint64][]uint64{},
		members: map[uint64][]uint64{}, inBatch: map[uint64]uint64{}, seen: map[uint64]struct{}{}}
}}

// newBatchState returns an empty state, one released before if there is.
func newBatchState(seq uint64) *batchState {
	st := batchStates.Get().(*batchState)
	st.seq = seq
	return st
}

// release empties st and keeps it for a later batch. Nothing may use st or
// its candidates after.
func (st *batchState) release() {
	clear(st.cands)
	clear(st.added)
	clear(st.inBatch)
	clear(st.seen)
	clear(st.members)
	st.fresh, st.read, st.model = st.fresh[:0], st.read[:0], nil
	st.slab.reset()
	batchStates.Put(st)
}

// candidateSlab hands out candidates from chunks it keeps: a candidate is
// some 200 bytes, and two were allocated per registered record.
type candidateSlab struct {
	chunks [][]candidate
	used   int
}

const slabChunk = 1024

// add returns a candidate set to c, at an address that stays valid until
// reset.
func (s *candidateSlab) add(c candidate) *candidate {
	i, j := s.used/slabChunk, s.used%slabChunk
	if i == len(s.chunks) {
		s.chunks = append(s.chunks, make([]candidate, slabChunk))
	}
	s.used++
	p := &s.chunks[i][j]
	*p = c
	return p
}

func (s *candidateSlab) reset() { s.used = 0 }

// register registers batch in px. It returns the results, and the batch's
// state for the cache once the transaction has committed.
func (ix *Index) register(px store.PersonIndex, batch []Encoded) ([]Result, *batchState, error) {
	if err := px.Lock(); err != nil {
		return nil, nil, err
	}
	seq, err := ix.checkCache(px)
	if err != nil {
		return nil, nil, err
	}
	keys, known, stored, err := ix.sourceKeys(px, batch)
	if err != nil {
		return nil, nil, err
	}
	st, err := ix.readCandidates(px, batch, keys, known, seq)
	if err != nil {
		return nil, nil, err
	}
	for id, c := range stored {
		if st.cands[id] == nil {
			st.cands[id] = c
		}
	}
	// Every fresh record may found a person: reserve an ID for each.
	var first, firstPerson uint64
	if fresh := len(batch) - len(known); fresh > 0 {
		if first, err = px.ReserveIDs(fresh); err != nil {
			return nil, nil, err
		}
		if firstPerson, err = px.ReservePersonIDs(fresh); err != nil {
			return nil, nil, err
		}
	}
	results := make([]Result, len(batch))
	inBatch := st.inBatch
	var added []store.IndexRecord
	var persons []uint64 // the new ones
	for i := range batch {
		enc := &batch[i]
		if r, ok := known[keys[i].key]; ok {
			results[i] = Result{Record: r.ID, Person: r.Person, Decision: Known}
			continue
		}
		k := keys[i]
		if id, ok := inBatch[k.key]; ok && k.conflictWith == 0 && ix.conflicts(enc, &st.cands[id].f) {
			k = sourceKey{key: enc.Conflict, conflictWith: id}
		}
		if id, ok := inBatch[k.key]; ok {
			results[i] = Result{Record: id, Person: st.cands[id].person, Decision: Known}
			continue
		}
		var res Result
		var candRecord uint64
		if k.conflictWith != 0 {
			res, candRecord = ix.conflict(st, enc, k.conflictWith)
		} else {
			res, candRecord = ix.match(st, enc)
		}
		if res.Decision != Linked {
			res.Person = firstPerson + uint64(len(persons))
			persons = append(persons, res.Person)
		}
		id := first + uint64(len(added))
		added = append(added, store.IndexRecord{ID: id, Source: k.key, Person: res.Person,
			Features: encodeFeatures(&enc.Features), Blocks: enc.Blocks})
		st.cands[id] = st.slab.add(candidate{person: res.Person, f: enc.Features})
		st.fresh = append(st.fresh, id)
		for _, k := range enc.Blocks {
			st.added[k] = append(st.added[k], id)
		}
		if res.Decision == Review {
			item := store.ReviewItem{Record: id, Candidate: candRecord, ScoreMilli: scoreMilli(res.Score), Pattern: res.Pattern[:]}
			if err := px.PutReview(item); err != nil {
				return nil, nil, err
			}
		}
		inBatch[k.key] = id
		res.Record = id
		results[i] = res
	}
	if err := px.AddPersons(persons...); err != nil {
		return nil, nil, err
	}
	if err := px.Add(added); err != nil {
		return nil, nil, err
	}
	return results, st, nil
}

// sourceKey is the key a record of a batch is registered under: its
// source, or, when the source is known with values that disagree, its
// conflict key (conflictWith then names the source's stored record).
type sourceKey struct {
	key          uint64
	conflictWith uint64
}

// sourceKeys decides the key of every record of a batch, and returns the
// records already registered under those keys, and the stored records that
// records of the batch conflict with, as candidates. A source that is known is
// answered with its person only while the new values would still be linked
// to the stored record: a patient number reused for another patient, or a
// record changed beyond a correction, is a conflict, registered apart under
// its conflict key and put to a clerk, never silently the old person.
func (ix *Index) sourceKeys(px store.PersonIndex, batch []Encoded) ([]sourceKey, map[uint64]store.IndexRecord, map[uint64]*candidate, error) {
	keys := make([]sourceKey, len(batch))
	sources := make([]uint64, len(batch))
	for i := range batch {
		sources[i] = batch[i].Source
		keys[i].key = batch[i].Source
	}
	known, err := px.BySource(sources)
	if err != nil {
		return nil, nil, nil, err
	}
	var conflicts []uint64
	stored := map[uint64]*candidate{}
	for i := range batch {
		r, ok := known[batch[i].Source]
		if !ok {
			continue
		}
		c := &candidate{person: r.Person}
		if err := decodeFeatures(r.Features, &c.f); err != nil {
			return nil, nil, nil, fmt.Errorf("%w: record %d: %v", store.ErrCorrupt, r.ID, err)
		}
		if ix.conflicts(&batch[i], &c.f) {
			keys[i] = sourceKey{key: batch[i].Conflict, conflictWith: r.ID}
			conflicts = append(conflicts, batch[i].Conflict)
			stored[r.ID] = c
		}
	}
	if len(conflicts) == 0 {
		return keys, known, nil, nil
	}
	again, err := px.BySource(conflicts)
	if err != nil {
		return nil, nil, nil, err
	}
	// known now holds what each record's key finds; a source found only
	// for a conflicting record no longer counts as known.
	found := make(map[uint64]store.IndexRecord, len(known)+len(again))
	for i := range keys {
		if r, ok := known[keys[i].key]; ok {
			found[keys[i].key] = r
		} else if r, ok := again[keys[i].key]; ok {
			found[keys[i].key] = r
		}
	}
	return keys, found, stored, nil
}

// conflicts reports whether enc's values disagree with those stored under
// its source so much that the index would not link them.
func (ix *Index) conflicts(enc *Encoded, stored *Features) bool {
	m := ix.model.Load()
	return m.Score(Compare(&enc.Features, stored)) < m.Upper
}

// conflict answers a record whose source is known with other values: a new
// person, and a review item that asks a clerk whether it is the stored
// record's person after all (a correction) or not (a reused number).
func (ix *Index) conflict(st *batchState, enc *Encoded, stored uint64) (Result, uint64) {
	c := st.cands[stored]
	pat := Compare(&enc.Features, &c.f)
	return Result{Decision: Review, Score: ix.model.Load().Score(pat), Candidate: c.person, Pattern: pat}, stored
}

// readCandidates reads, for the records not yet known, the newest members of
// their blocks and those members' features: the BSN blocks first, then the
// other blocks of the records those do not settle (bsnfirst.go).
func (ix *Index) readCandidates(px store.PersonIndex, batch []Encoded, keys []sourceKey, known map[uint64]store.IndexRecord, seq uint64) (*batchState, error) {
	fresh := func(i int) bool {
		_, ok := known[keys[i].key]
		return !ok
	}
	st := newBatchState(seq)
	st.model = ix.model.Load()
	// Sized for the batch: growing maps on this one-goroutine path was a
	// fifth of its time.
	blocks := make([]uint64, 0, len(batch)*MaxBlockKeys)
	for i := range batch {
		if !fresh(i) {
			continue
		}
		if batch[i].BSNBlock != 0 {
			blocks = append(blocks, batch[i].BSNBlock)
		}
		// A BSN with a typo has no block of its own; the blocks of its
		// corrections are BSN blocks too.
		blocks = append(blocks, batch[i].Probes...)
	}
	sortKeys(blocks)
	// A probe counts as a record sharing its block: that only makes
	// settledByBSN's room for the batch's own records smaller.
	bsnRecords := repeats(blocks)
	if err := ix.readBlocks(px, st, blocks); err != nil {
		return nil, err
	}
	blocks = blocks[:0]
	settled := 0
	for i := range batch {
		enc := &batch[i]
		if !fresh(i) {
			continue
		}
		if enc.BSNBlock != 0 && settledByBSN(st, enc, max(1, bsnRecords[enc.BSNBlock])) {
			settled++
			continue
		}
		for _, k := range enc.Blocks {
			if k != enc.BSNBlock {
				blocks = append(blocks, k)
			}
		}
	}
	ix.work.settledByBSN.Add(int64(settled))
	sortKeys(blocks)
	if err := ix.readBlocks(px, st, blocks); err != nil {
		return nil, err
	}
	return st, nil
}

// repeats counts the keys that occur more than once in sorted keys.
func repeats(sorted []uint64) map[uint64]int {
	var n map[uint64]int
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			if n == nil {
				n = map[uint64]int{}
			}
			n[sorted[i]] = max(n[sorted[i]], 1) + 1
		}
	}
	return n
}

// readBlocks reads the newest members of blocks (sorted, repeats allowed)
// into st.members, and the features of those not yet among st.cands.
func (ix *Index) readBlocks(px store.PersonIndex, st *batchState, blocks []uint64) error {
	if len(blocks) == 0 {
		return nil
	}
	// Deduplicated by sorting, not in a map (a map for every key of a
	// batch was a twentieth of registration's allocation).
	blocks = slices.Compact(blocks)
	found, err := px.BlockMembers(blocks, MaxBlock)
	if err != nil {
		return err
	}
	var ids []uint64
	members, hits := 0, 0
	for k, m := range found {
		st.members[k] = m
		members += len(m)
		for _, id := range m {
			if _, ok := st.cands[id]; ok {
				continue
			}
			if c, ok := ix.cache.get(id); ok {
				st.cands[id] = st.slab.add(c)
				hits++
				continue
			}
			st.cands[id] = nil // placeholder: dedupes ids
			ids = append(ids, id)
		}
	}
	ix.work.count(len(blocks), members, hits, len(ids))
	recs, err := px.Records(ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		r, ok := recs[id]
		if !ok {
			return fmt.Errorf("%w: block entry names record %d, which is missing", store.ErrCorrupt, id)
		}
		c := st.slab.add(candidate{person: r.Person})
		if err := decodeFeatures(r.Features, &c.f); err != nil {
			return fmt.Errorf("%w: record %d: %v", store.ErrCorrupt, id, err)
		}
		st.cands[id] = c
		st.read = append(st.read, id)
	}
	return nil
}

// checkCache empties the candidate cache if persons changed (a merge or a
// split, here or on another server) since it was filled: the change log
// says so. Merges and splits are rare, so this reads nothing most times.
// It returns the log's last sequence number.
func (ix *Index) checkCache(px store.PersonIndex) (uint64, error) {
	seq := ix.cache.validSeq()
	for {
		cs, err := px.Changes(seq, 1000)
		if err != nil {
			return 0, err
		}
		if len(cs) == 0 {
			break
		}
		seq = cs[len(cs)-1].Seq
	}
	ix.cache.validFor(seq)
	return seq, nil
}

// match finds the best person among the candidates that share a blocking key
// with enc: per block, the batch's own records newest first, then the
// store's, at most MaxBlock in all. It returns the best candidate's record.
func (ix *Index) match(st *batchState, enc *Encoded) (Result, uint64) {
	clear(st.seen)
	model := st.model
	// The best score per person: a person matches if any of its records does.
	type personScore struct {
		person, record uint64
		score          float64
		pattern        Pattern
	}
	var scored [32]personScore
	persons := scored[:0]
	consider := func(id uint64) {
		if _, dup := st.seen[id]; dup {
			return
		}
		st.seen[id] = struct{}{}
		c := st.cands[id]
		pat := Compare(&enc.Features, &c.f)
		s := model.Score(pat)
		for j := range persons {
			if persons[j].person == c.person {
				if s > persons[j].score {
					persons[j].score, persons[j].pattern, persons[j].record = s, pat, id
				}
				return
			}
		}
		persons = append(persons, personScore{c.person, id, s, pat})
	}
	keys := enc.Blocks
	if len(enc.Probes) > 0 {
		keys = slices.Concat(enc.Blocks, enc.Probes) // rare: a BSN with a typo
	}
	for _, k := range keys {
		n := 0
		own := st.added[k]
		for j := len(own) - 1; j >= 0 && n < MaxBlock; j-- {
			consider(own[j])
			n++
		}
		for _, id := range st.members[k] {
			if n >= MaxBlock {
				break
			}
			consider(id)
			n++
		}
	}
	ix.work.compared.Add(int64(len(st.seen)))
	var best *personScore
	for i := range persons {
		// Equal scores go to the person found first in the index (the
		// lowest ID), not the one compared first, so that a candidate
		// that cannot win does not decide a tie by being compared
		// (bsnfirst.go leaves such candidates out).
		if best == nil || persons[i].score > best.score || persons[i].score == best.score && persons[i].person < best.person {
			best = &persons[i]
		}
	}
	switch {
	case best == nil:
		return Result{Decision: New}, 0
	case best.score >= model.Upper:
		return Result{Person: best.person, Score: best.score, Decision: Linked, Pattern: best.pattern}, best.record
	case best.score >= model.Lower:
		return Result{Decision: Review, Score: best.score, Candidate: best.person, Pattern: best.pattern}, best.record
	}
	return Result{Decision: New, Score: best.score}, 0
}
