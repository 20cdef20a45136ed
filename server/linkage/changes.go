package linkage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ttpnl/ttp/server/store"
)

// ReviewItem is a record whose best candidate scored between the thresholds.
type ReviewItem struct {
	ID              uint64 // the record's ID
	Person          uint64 // the record's person now
	Candidate       uint64 // the person it may be, now
	CandidateRecord uint64 // the record it was compared with
	Score           float64
	Pattern         Pattern
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
	// Withdrawn: From's last record was withdrawn, or the patient objected;
	// To is 0.
	Withdrawn
	// Reinstated: the patient's objection was withdrawn; To is 0.
	Reinstated
)

// Change is one entry of the change log.
type Change struct {
	Seq      uint64
	Time     time.Time
	Kind     ChangeKind
	From, To uint64
}

// scoreMilli is a score as a review item keeps it: to three decimals, so that
// an item reads the same before and after a restart.
func scoreMilli(s float64) int64 { return int64(math.Round(s * 1000)) }

// Reviews lists open review items, oldest first. A review item names a
// candidate record, so that it follows the candidate through merges.
func (ix *Index) Reviews(ctx context.Context, limit int) ([]ReviewItem, error) {
	var out []ReviewItem
	err := ix.st.View(ctx, func(tx store.Tx) error {
		px := tx.Index()
		items, err := px.Reviews(0, limit)
		if err != nil {
			return err
		}
		ids := make([]uint64, 0, 2*len(items))
		for _, it := range items {
			ids = append(ids, it.Record, it.Candidate)
		}
		recs, err := px.Records(ids)
		if err != nil {
			return err
		}
		for _, it := range items {
			rec, ok1 := recs[it.Record]
			cand, ok2 := recs[it.Candidate]
			pat, err := decodePattern(it.Pattern)
			if !ok1 || !ok2 || err != nil {
				return fmt.Errorf("%w: review item %d", store.ErrCorrupt, it.Record)
			}
			out = append(out, ReviewItem{ID: it.Record, Person: rec.Person, Candidate: cand.Person, CandidateRecord: it.Candidate,
				Score: float64(it.ScoreMilli) / 1000, Pattern: pat})
		}
		return nil
	})
	return out, err
}

// ErrNoReviewItem reports an unknown or already resolved review item.
var ErrNoReviewItem = errors.New("no such open review item")

// Resolve decides a review item. A match merges the record's person into the
// candidate's and logs the merge; either way the item is closed. commit, if
// not nil, adds to the transaction (the audit record).
func (ix *Index) Resolve(ctx context.Context, id uint64, match bool, now time.Time, commit func(tx store.Tx) error) error {
	err := ix.st.Update(ctx, func(tx store.Tx) error {
		px := tx.Index()
		if err := px.Lock(); err != nil {
			return err
		}
		item, err := px.Review(id)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoReviewItem
		}
		if err != nil {
			return err
		}
		recs, err := px.Records([]uint64{item.Record, item.Candidate})
		if err != nil {
			return err
		}
		rec, ok1 := recs[item.Record]
		cand, ok2 := recs[item.Candidate]
		if !ok1 || !ok2 {
			return fmt.Errorf("%w: review item %d", store.ErrCorrupt, id)
		}
		if err := px.DeleteReview(id); err != nil {
			return err
		}
		if match && rec.Person != cand.Person {
			if err := merge(px, rec.Person, cand.Person, now); err != nil {
				return err
			}
			if err := ix.carryDomains(px, rec.Person, cand.Person); err != nil {
				return err
			}
		}
		if commit != nil {
			return commit(tx)
		}
		return nil
	})
	if errors.Is(err, ErrNoReviewItem) {
		return err
	}
	if err != nil {
		return fmt.Errorf("resolve review item: %w", err)
	}
	return nil
}

// merge moves every record of person from to person to, and logs it.
func merge(px store.PersonIndex, from, to uint64, now time.Time) error {
	for {
		recs, err := px.OfPerson(from, 1000)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			if err := px.SetPerson(r.ID, to); err != nil {
				return err
			}
		}
	}
	if err := px.RemovePerson(from); err != nil {
		return err
	}
	_, err := px.AppendChange(store.PersonChange{Time: now.UTC(), Kind: uint8(Merge), From: from, To: to})
	return err
}

// carryDomains makes person to a member of every domain person from is a
// member of: its records (a merge moves them all, a split one) were
// registered through those domains, whose recipients hold from's
// pseudonyms and must hear of to's changes.
func (ix *Index) carryDomains(px store.PersonIndex, from, to uint64) error {
	if ix.domainTags == nil {
		return nil
	}
	for _, tag := range ix.domainTags() {
		in, err := px.InDomain(tag, []uint64{from})
		if err != nil {
			return err
		}
		if in[from] {
			if err := px.AddToDomain(tag, []uint64{to}); err != nil {
				return err
			}
		}
	}
	return nil
}

// ChangesInDomain lists, after sequence number after and at most limit,
// the logged changes that concern a person of the domain with tag (one
// with records registered through it): what its recipients may know. It
// reads on through the log until it has limit of them or the log ends.
func (ix *Index) ChangesInDomain(ctx context.Context, tag, after uint64, limit int) ([]Change, error) {
	var out []Change
	err := ix.st.View(ctx, func(tx store.Tx) error {
		for len(out) < limit {
			cs, err := tx.Index().Changes(after, 1000)
			if err != nil || len(cs) == 0 {
				return err
			}
			var persons []uint64
			for _, c := range cs {
				persons = append(persons, c.From, c.To)
			}
			in, err := tx.Index().InDomain(tag, persons)
			if err != nil {
				return err
			}
			for _, c := range cs {
				if (in[c.From] || in[c.To]) && len(out) < limit {
					out = append(out, Change{Seq: c.Seq, Time: c.Time.UTC(), Kind: ChangeKind(c.Kind), From: c.From, To: c.To})
				}
			}
			after = cs[len(cs)-1].Seq
		}
		return nil
	})
	return out, err
}

// updateSources runs fn in a registration's transaction (the index locked)
// with the records registered under sources.
func (ix *Index) updateSources(ctx context.Context, sources []uint64, fn func(tx store.Tx, recs map[uint64]store.IndexRecord) error) error {
	return ix.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Index().Lock(); err != nil {
			return err
		}
		recs, err := tx.Index().BySource(sources)
		if err != nil {
			return err
		}
		return fn(tx, recs)
	})
}

// Withdraw removes the records registered under sources (their keyed
// hashes, see Encoder.SourceKey) from the index, keeping each as a
// withdrawn version of its source's history, and reports which were there. A person left without records is removed too, and its withdrawal
// logged, so that recipients delete its pseudonym. commit, if not nil, adds
// to the transaction (the audit record) with the number withdrawn.
func (ix *Index) Withdraw(ctx context.Context, sources []uint64, now time.Time, commit func(tx store.Tx, withdrawn int) error) ([]bool, error) {
	found := make([]bool, len(sources))
	err := ix.updateSources(ctx, sources, func(tx store.Tx, recs map[uint64]store.IndexRecord) error {
		px := tx.Index()
		var ids, persons []uint64
		withdrawn := make(map[uint64]bool, len(recs))
		for i, src := range sources {
			r, ok := recs[src]
			if !ok || withdrawn[r.ID] {
				continue
			}
			found[i], withdrawn[r.ID] = true, true
			ids, persons = append(ids, r.ID), append(persons, r.Person)
			// Sent data is never edited in place: the withdrawn version
			// is kept, never matched against.
			if _, err := px.AddHistory(r, now.UTC()); err != nil {
				return err
			}
		}
		if err := px.DeleteRecords(ids); err != nil {
			return err
		}
		for _, p := range distinct(persons) {
			left, err := px.OfPerson(p, 1)
			if err != nil {
				return err
			}
			if len(left) > 0 {
				continue
			}
			if err := px.RemovePerson(p); err != nil {
				return err
			}
			if _, err := px.AppendChange(store.PersonChange{Time: now.UTC(), Kind: uint8(Withdrawn), From: p}); err != nil {
				return err
			}
		}
		if commit != nil {
			return commit(tx, len(ids))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("withdraw records: %w", err)
	}
	// The candidate cache may hold a withdrawn record: harmless, since the
	// store's blocks no longer name it and record IDs are never reused.
	return found, nil
}

// Reinstate withdraws the objections of the persons whose records are
// registered under sources, and reports which sources named a person who
// had objected. The person's later records are registered again; its
// recipients are told (a reinstated change). commit, if not nil, adds to
// the transaction (the audit record) with the number reinstated.
func (ix *Index) Reinstate(ctx context.Context, sources []uint64, now time.Time, commit func(tx store.Tx, reinstated int) error) ([]bool, error) {
	done := make([]bool, len(sources))
	err := ix.updateSources(ctx, sources, func(tx store.Tx, recs map[uint64]store.IndexRecord) error {
		px := tx.Index()
		persons := make([]uint64, 0, len(recs))
		for _, r := range recs {
			persons = append(persons, r.Person)
		}
		objected, err := px.Objected(distinct(persons))
		if err != nil {
			return err
		}
		for i, src := range sources {
			done[i] = objected[recs[src].Person]
		}
		for p := range objected {
			if err := px.SetObjected(p, false); err != nil {
				return err
			}
			if _, err := px.AppendChange(store.PersonChange{Time: now.UTC(), Kind: uint8(Reinstated), From: p}); err != nil {
				return err
			}
		}
		if commit != nil {
			return commit(tx, len(objected))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("withdraw objections: %w", err)
	}
	return done, nil
}

// Versions is a source's history: its withdrawn versions, oldest first,
// and whether a record is registered under it now (the next version).
type Versions struct {
	Withdrawn []store.HistoryEntry
	Current   bool
}

// History reads the versions registered under source (its keyed hash).
func (ix *Index) History(ctx context.Context, source uint64) (Versions, error) {
	var v Versions
	err := ix.st.View(ctx, func(tx store.Tx) error {
		var err error
		if v.Withdrawn, err = tx.Index().History(source); err != nil {
			return err
		}
		now, err := tx.Index().BySource([]uint64{source})
		v.Current = len(now) > 0
		return err
	})
	return v, err
}

// Changes lists logged changes after sequence number after.
func (ix *Index) Changes(ctx context.Context, after uint64, limit int) ([]Change, error) {
	var out []Change
	err := ix.st.View(ctx, func(tx store.Tx) error {
		cs, err := tx.Index().Changes(after, limit)
		for _, c := range cs {
			out = append(out, Change{Seq: c.Seq, Time: c.Time.UTC(), Kind: ChangeKind(c.Kind), From: c.From, To: c.To})
		}
		return err
	})
	return out, err
}

// ErrNoRecord reports a source record that is not registered.
var ErrNoRecord = errors.New("no record registered under that source")

// ErrOnlyRecord reports a split of a person's only record.
var ErrOnlyRecord = errors.New("the record is its person's only record")

// Split undoes a wrong link: the record registered under source (its keyed
// hash, see Encoder.SourceKey) leaves its person for a new person, and the
// split is logged. commit, if not nil, adds to the transaction (the audit
// record). It returns the logged change.
func (ix *Index) Split(ctx context.Context, source uint64, now time.Time, commit func(tx store.Tx) error) (Change, error) {
	var change Change
	err := ix.st.Update(ctx, func(tx store.Tx) error {
		px := tx.Index()
		if err := px.Lock(); err != nil {
			return err
		}
		found, err := px.BySource([]uint64{source})
		if err != nil {
			return err
		}
		rec, ok := found[source]
		if !ok {
			return ErrNoRecord
		}
		members, err := px.OfPerson(rec.Person, 2)
		if err != nil {
			return err
		}
		if len(members) < 2 {
			return ErrOnlyRecord
		}
		to, err := px.ReservePersonIDs(1)
		if err != nil {
			return err
		}
		if err := px.SetPerson(rec.ID, to); err != nil {
			return err
		}
		if err := px.AddPersons(to); err != nil {
			return err
		}
		if err := ix.carryDomains(px, rec.Person, to); err != nil {
			return err
		}
		c, err := px.AppendChange(store.PersonChange{Time: now.UTC(), Kind: uint8(Split), From: rec.Person, To: to})
		if err != nil {
			return err
		}
		change = Change{Seq: c.Seq, Time: c.Time, Kind: Split, From: c.From, To: c.To}
		if commit != nil {
			return commit(tx)
		}
		return nil
	})
	if errors.Is(err, ErrNoRecord) || errors.Is(err, ErrOnlyRecord) {
		return Change{}, err
	}
	if err != nil {
		return Change{}, fmt.Errorf("split record: %w", err)
	}
	return change, nil
}

// Survivors maps each merged-away person to the person it was merged into,
// and knows the persons withdrawn from the index. A recipient may hold a
// person pseudonym from before a merge; conversion resolves it to the
// person that lives on, and withholds a withdrawn one.
type Survivors struct {
	merged    map[uint64]uint64
	withdrawn map[uint64]bool
}

// Survivors reads the change log's merges and withdrawals. Both are rare
// (clerical review, a hospital's correction), so the maps are small.
func (ix *Index) Survivors(ctx context.Context) (Survivors, error) {
	s := Survivors{merged: map[uint64]uint64{}, withdrawn: map[uint64]bool{}}
	var after uint64
	for {
		cs, err := ix.Changes(ctx, after, 1000)
		if err != nil {
			return Survivors{}, err
		}
		if len(cs) == 0 {
			return s, nil
		}
		for _, c := range cs {
			switch c.Kind {
			case Merge:
				s.merged[c.From] = c.To
			case Withdrawn:
				s.withdrawn[c.From] = true
			case Reinstated:
				delete(s.withdrawn, c.From)
			}
		}
		after = cs[len(cs)-1].Seq
	}
}

// NewSurvivors is a Survivors of the given merges (from → to) and
// withdrawn persons, for tests of what uses one.
func NewSurvivors(merged map[uint64]uint64, withdrawn ...uint64) Survivors {
	s := Survivors{merged: merged, withdrawn: map[uint64]bool{}}
	for _, p := range withdrawn {
		s.withdrawn[p] = true
	}
	return s
}

// Of returns the person that person lives on as: itself, or the end of its
// chain of merges; ok is false when that person was withdrawn.
func (s Survivors) Of(person uint64) (uint64, bool) {
	for range len(s.merged) {
		to, found := s.merged[person]
		if !found {
			break
		}
		person = to
	}
	return person, !s.withdrawn[person]
}
