package linkage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Storage keys of review items, merges and the change log.
const (
	aliasPrefix  = "lk/a/" // merged-away person → survivor
	changePrefix = "lk/e/" // sequence → change
)

// ReviewItem is a record whose best candidate scored between the thresholds.
type ReviewItem struct {
	ID        uint64 // the record's ordinal
	Person    uint64 // the new person the record made
	Candidate uint64 // the person it may be
	Score     float64
	Pattern   Pattern
}

// Comparison spells out a pattern: field → agreement level.
func (p Pattern) Comparison() map[string]string {
	out := make(map[string]string, numComparisons)
	for c, l := range p {
		out[comparisonNames[c]] = levelNames[c][l]
	}
	return out
}

// ChangeKind is a kind of change to persons.
type ChangeKind uint8

const (
	// Merge: From now resolves to To.
	Merge ChangeKind = iota + 1
	// Split: a record left From for the new person To.
	Split
)

// Change is one entry of the change log.
type Change struct {
	Seq      uint64
	Time     time.Time
	Kind     ChangeKind
	From, To uint64
}

type reviewState struct {
	candidate uint64
	score     float64
	pattern   Pattern
}

func encodeReview(r reviewState) []byte {
	b := binary.BigEndian.AppendUint64(nil, r.candidate)
	b = binary.BigEndian.AppendUint64(b, uint64(int64(math.Round(r.score*1000))))
	return append(b, r.pattern[:]...)
}

// reviewScore is a score as a review item keeps it: to three decimals, as
// stored, so that an item reads the same before and after a restart.
func reviewScore(s float64) float64 { return float64(int64(math.Round(s*1000))) / 1000 }

func decodeReview(b []byte) (reviewState, error) {
	if len(b) != 16+numComparisons {
		return reviewState{}, errors.New("stored review item is malformed")
	}
	r := reviewState{candidate: binary.BigEndian.Uint64(b), score: float64(int64(binary.BigEndian.Uint64(b[8:]))) / 1000}
	copy(r.pattern[:], b[16:])
	return r, nil
}

func encodeChange(c Change) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(c.Time.UnixNano()))
	b = append(b, byte(c.Kind))
	b = binary.BigEndian.AppendUint64(b, c.From)
	return binary.BigEndian.AppendUint64(b, c.To)
}

func decodeChange(seq uint64, b []byte) (Change, error) {
	if len(b) != 25 {
		return Change{}, errors.New("stored person change is malformed")
	}
	return Change{Seq: seq, Time: time.Unix(0, int64(binary.BigEndian.Uint64(b))).UTC(), Kind: ChangeKind(b[8]),
		From: binary.BigEndian.Uint64(b[9:]), To: binary.BigEndian.Uint64(b[17:])}, nil
}

// loadState reads review items, aliases and the change count.
func (ix *Index) loadState(txn *badger.Txn) error {
	if err := eachKV(txn, reviewPrefix, func(k, v []byte) error {
		r, err := decodeReview(v)
		ix.reviews[binary.BigEndian.Uint32(k)] = r
		return err
	}); err != nil {
		return err
	}
	if err := eachKV(txn, aliasPrefix, func(k, v []byte) error {
		if len(k) != 8 || len(v) != 8 {
			return errors.New("stored alias is malformed")
		}
		ix.alias[binary.BigEndian.Uint64(k)] = binary.BigEndian.Uint64(v)
		return nil
	}); err != nil {
		return err
	}
	return eachKV(txn, changePrefix, func(k, v []byte) error {
		ix.changes = binary.BigEndian.Uint64(k)
		return nil
	})
}

// eachKV calls fn with the key (prefix removed) and value of every entry
// under prefix, in order.
func eachKV(txn *badger.Txn, prefix string, fn func(k, v []byte) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte(prefix)
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		k := it.Item().KeyCopy(nil)[len(prefix):]
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			return err
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// Reviews lists open review items, oldest first.
func (ix *Index) Reviews(limit int) []ReviewItem {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	out := make([]ReviewItem, 0, min(limit, len(ix.reviews)))
	for ord, r := range ix.reviews {
		out = append(out, ReviewItem{ID: uint64(ord), Person: ix.resolve(ix.records.at(ord).person), Candidate: ix.resolve(r.candidate), Score: r.score, Pattern: r.pattern})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// ErrNoReviewItem reports an unknown or already resolved review item.
var ErrNoReviewItem = errors.New("no such open review item")

// Resolve decides a review item. A match merges the record's person into the
// candidate and logs the merge; either way the item is closed. commit, if
// not nil, performs the write (adding the audit record).
func (ix *Index) Resolve(id uint64, match bool, now time.Time, commit func(write func(txn *badger.Txn) error) error) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.broken != nil {
		return ix.broken
	}
	ord := uint32(id)
	r, ok := ix.reviews[ord]
	if !ok || uint64(ord) != id {
		return ErrNoReviewItem
	}
	from, to := ix.resolve(ix.records.at(ord).person), ix.resolve(r.candidate)
	merge := match && from != to
	change := Change{Seq: ix.changes + 1, Time: now.UTC(), Kind: Merge, From: from, To: to}
	write := func(txn *badger.Txn) error {
		if err := txn.Delete(ordKey(reviewPrefix, ord)); err != nil {
			return err
		}
		if merge {
			if err := txn.Set(binary.BigEndian.AppendUint64([]byte(aliasPrefix), from), binary.BigEndian.AppendUint64(nil, to)); err != nil {
				return err
			}
			if err := txn.Set(binary.BigEndian.AppendUint64([]byte(changePrefix), change.Seq), encodeChange(change)); err != nil {
				return err
			}
		}
		return nil
	}
	if commit == nil {
		commit = ix.db.Update
	}
	if err := commit(write); err != nil {
		return fmt.Errorf("resolve review item: %w", err)
	}
	delete(ix.reviews, ord)
	if merge {
		ix.alias[from] = to
		ix.changes = change.Seq
	}
	return nil
}

// Changes lists logged changes after sequence number after.
func (ix *Index) Changes(after uint64, limit int) ([]Change, error) {
	var out []Change
	err := ix.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(changePrefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(binary.BigEndian.AppendUint64([]byte(changePrefix), after+1)); it.Valid() && len(out) < limit; it.Next() {
			seq := binary.BigEndian.Uint64(it.Item().Key()[len(changePrefix):])
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			c, err := decodeChange(seq, v)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// Resolve follows merges from a person to the one it now is.
func (ix *Index) Survivor(person uint64) uint64 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.resolve(person)
}

// ErrNoRecord reports a source record that is not registered.
var ErrNoRecord = errors.New("no record registered under that source")

// ErrOnlyRecord reports a split of a person's only record.
var ErrOnlyRecord = errors.New("the record is its person's only record")

// Split undoes a wrong link: the record registered under source (its keyed
// hash, see Encoder.SourceKey) leaves its person for a new person, and the
// split is logged. commit, if not nil, performs the write (adding the audit
// record). It returns the logged change.
func (ix *Index) Split(source uint64, now time.Time, commit func(write func(txn *badger.Txn) error) error) (Change, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.broken != nil {
		return Change{}, ix.broken
	}
	ord, ok := ix.bySource[source]
	if !ok {
		return Change{}, ErrNoRecord
	}
	from := ix.resolve(ix.records.at(ord).person)
	members := 0
	for i := range uint32(ix.records.len()) {
		if ix.resolve(ix.records.at(i).person) == from {
			members++
		}
	}
	if members < 2 {
		return Change{}, ErrOnlyRecord
	}
	to, err := ix.newPersonID()
	if err != nil {
		return Change{}, err
	}
	change := Change{Seq: ix.changes + 1, Time: now.UTC(), Kind: Split, From: from, To: to}
	write := func(txn *badger.Txn) error {
		item, err := txn.Get(ordKey(recordPrefix, ord))
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		binary.LittleEndian.PutUint64(v[8:16], to) // the person field, after the source
		if err := txn.Set(ordKey(recordPrefix, ord), v); err != nil {
			return err
		}
		return txn.Set(binary.BigEndian.AppendUint64([]byte(changePrefix), change.Seq), encodeChange(change))
	}
	if commit == nil {
		commit = ix.db.Update
	}
	if err := commit(write); err != nil {
		return Change{}, fmt.Errorf("split record: %w", err)
	}
	ix.records.at(ord).person = to
	ix.changes = change.Seq
	return change, nil
}
