package linkage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

// MaxBlock bounds how many members of one block a new record is compared
// with (the most recent ones). It keeps the cost per record flat however
// large the index grows; a block that large is a common combination that
// says little anyway.
const MaxBlock = 64

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
)

func (d Decision) String() string {
	return [...]string{"", "known", "linked", "new", "review"}[d]
}

// Result is the outcome for one record.
type Result struct {
	Person    uint64 // the record's person (internal ID)
	Decision  Decision
	Score     float64 // best candidate's score; 0 when there was none
	Candidate uint64  // for Review: the person it may be
	pattern   Pattern // for Review: how the record compares with the candidate
}

// record is one registered source record, in memory.
type record struct {
	person uint64
	stamp  uint32 // the last query that saw it, to count it once per query
	f      Features
}

// Index is the person index: an in-memory structure for matching, written
// through to Badger for durability. Registration is serialised: records of
// one batch are matched in order, so two records of the same new person in
// one batch find each other.
type Index struct {
	db    *badger.DB
	model *Model
	rand  io.Reader

	mu       sync.Mutex
	records  paged[record]
	bySource map[uint64]uint32 // source hash → ordinal
	heads    map[uint64]uint32 // block key → slot+1 of the newest member
	next     paged[uint32]     // slot → slot+1 of the next older member of its block
	alias    map[uint64]uint64 // merged-away person → survivor
	reviews  map[uint32]reviewState
	changes  uint64   // sequence number of the last logged change
	seen     []uint32 // ordinal → query stamp, to dedupe candidates
	stamp    uint32
	broken   error // set when a write failed: memory and store disagree
}

// Storage keys.
const (
	recordPrefix = "lk/r/"
	reviewPrefix = "lk/q/"
)

// Open loads the index from the store.
func Open(db *badger.DB, model *Model, rand io.Reader) (*Index, error) {
	ix := &Index{db: db, model: model, rand: rand,
		bySource: map[uint64]uint32{}, heads: map[uint64]uint32{}, alias: map[uint64]uint64{}, reviews: map[uint32]reviewState{}}
	err := db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(recordPrefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			err := it.Item().Value(func(v []byte) error {
				src, person, enc, err := decodeRecord(v)
				if err != nil {
					return err
				}
				ord := uint32(ix.records.len())
				if binary.BigEndian.Uint32(it.Item().Key()[len(recordPrefix):]) != ord {
					return errors.New("record ordinals are not contiguous")
				}
				ix.add(src, person, enc)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return ix.loadState(txn)
	})
	if err != nil {
		return nil, fmt.Errorf("load person index: %w", err)
	}
	return ix, nil
}

// Len is the number of registered records.
func (ix *Index) Len() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.records.len()
}

// add puts a record into the in-memory structures.
func (ix *Index) add(source, person uint64, enc *Encoded) uint32 {
	ord := uint32(ix.records.len())
	ix.records.append(record{person: person, f: enc.Features})
	ix.bySource[source] = ord
	for i := range MaxBlockKeys {
		slot := ord*MaxBlockKeys + uint32(i)
		var next uint32
		if i < len(enc.Blocks) {
			k := enc.Blocks[i]
			next = ix.heads[k]
			ix.heads[k] = slot + 1
		}
		ix.next.append(next)
	}
	return ord
}

// resolve follows merges to the surviving person.
func (ix *Index) resolve(p uint64) uint64 {
	for {
		s, ok := ix.alias[p]
		if !ok {
			return p
		}
		p = s
	}
}

// Commit makes a change durable: it runs write in one transaction (with
// whatever else the caller adds, such as the audit record, which is how the
// audit log's Append works) and commits it. results describe the change.
type Commit func(results []Result, write func(txn *badger.Txn) error) error

// Register matches and stores a batch of records; the batch is durable when
// it returns. commit, if not nil, performs the write (the server passes one
// that adds the audit record); nil writes directly.
func (ix *Index) Register(batch []Encoded, commit Commit) ([]Result, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.broken != nil {
		return nil, ix.broken
	}
	results := make([]Result, len(batch))
	first := uint32(ix.records.len())
	var reviews []uint32
	for i := range batch {
		enc := &batch[i]
		if ord, ok := ix.bySource[enc.Source]; ok {
			results[i] = Result{Person: ix.resolve(ix.records.at(ord).person), Decision: Known}
			continue
		}
		res := ix.match(enc)
		if res.Decision != Linked {
			id, err := ix.newPersonID()
			if err != nil {
				return nil, err
			}
			res.Person = id
		}
		ord := ix.add(enc.Source, res.Person, enc)
		if res.Decision == Review {
			reviews = append(reviews, ord)
			ix.reviews[ord] = reviewState{candidate: res.Candidate, score: reviewScore(res.Score), pattern: res.pattern}
		}
		results[i] = res
	}
	write := func(txn *badger.Txn) error {
		for i := range batch {
			if results[i].Decision == Known {
				continue
			}
			ord := ix.bySource[batch[i].Source]
			if ord < first {
				continue // an earlier record of this batch had the same source
			}
			if err := txn.Set(ordKey(recordPrefix, ord), encodeRecord(batch[i].Source, results[i].Person, &batch[i])); err != nil {
				return err
			}
		}
		for _, ord := range reviews {
			if err := txn.Set(ordKey(reviewPrefix, ord), encodeReview(ix.reviews[ord])); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	if commit != nil {
		err = commit(results, write)
	} else {
		err = ix.db.Update(write)
	}
	if err != nil {
		ix.broken = fmt.Errorf("person index out of step with the store after a failed write; restart the server: %w", err)
		return nil, err
	}
	return results, nil
}

// match finds the best person among the candidates that share a blocking key.
func (ix *Index) match(enc *Encoded) Result {
	stamp := ix.nextStamp()
	// The best score per person: a person matches if any of its records does.
	type personScore struct {
		person  uint64
		score   float64
		pattern Pattern
	}
	var scored [32]personScore
	persons := scored[:0]
	for _, k := range enc.Blocks {
		n := 0
		for slot := ix.heads[k]; slot != 0 && n < MaxBlock; slot = *ix.next.at(slot - 1) {
			n++
			ord := (slot - 1) / MaxBlockKeys
			r := ix.records.at(ord)
			if r.stamp == stamp {
				continue
			}
			r.stamp = stamp
			pat := Compare(&enc.Features, &r.f)
			s := ix.model.Score(pat)
			p := ix.resolve(r.person)
			found := false
			for j := range persons {
				if persons[j].person == p {
					if s > persons[j].score {
						persons[j].score, persons[j].pattern = s, pat
					}
					found = true
				}
			}
			if !found {
				persons = append(persons, personScore{p, s, pat})
			}
		}
	}
	var best *personScore
	for i := range persons {
		if best == nil || persons[i].score > best.score {
			best = &persons[i]
		}
	}
	switch {
	case best == nil:
		return Result{Decision: New}
	case best.score >= ix.model.Upper:
		return Result{Person: best.person, Score: best.score, Decision: Linked}
	case best.score >= ix.model.Lower:
		return Result{Decision: Review, Score: best.score, Candidate: best.person, pattern: best.pattern}
	}
	return Result{Decision: New, Score: best.score}
}

func (ix *Index) newPersonID() (uint64, error) {
	var b [8]byte
	for {
		if _, err := io.ReadFull(ix.rand, b[:]); err != nil {
			return 0, err
		}
		if id := binary.BigEndian.Uint64(b[:]); id != 0 {
			return id, nil
		}
	}
}

func ordKey(prefix string, ord uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte(prefix), ord)
}

// Persons counts the distinct persons (after merges).
func (ix *Index) Persons() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	seen := make(map[uint64]struct{}, ix.records.len())
	for i := range uint32(ix.records.len()) {
		seen[ix.resolve(ix.records.at(i).person)] = struct{}{}
	}
	return len(seen)
}

// nextStamp starts a new candidate query: records seen in it get the stamp,
// so each is compared once however many blocks it shares. ix.mu must be held.
func (ix *Index) nextStamp() uint32 {
	ix.stamp++
	if ix.stamp == 0 { // wrapped: clear the stamps
		for i := range uint32(ix.records.len()) {
			ix.records.at(i).stamp = 0
		}
		ix.stamp = 1
	}
	return ix.stamp
}
