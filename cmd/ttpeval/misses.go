package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/server/linkage"
)

// missLog explains, with -misses, every record that joined none of the
// persons its true person's earlier records are in: the agreement pattern
// and score against the closest of those records, and whether the two
// shared a blocking key (a blocking miss and a scoring miss need different
// fixes). It prints agreement levels only, never a value.
//
// It also prints every record linked to a person that holds a record of
// another true person (a wrong link), and every review item whose
// candidate holds no record of the record's true person (a false review),
// with the pattern against the closest such record.
type missLog struct {
	model    *linkage.Model
	earlier  map[string][]earlierRecord // true person → its records so far
	byPerson map[uint64][]earlierRecord // person found → its records so far
}

type earlierRecord struct {
	enc    *linkage.Encoded
	person uint64
	truth  string
}

func (m *missLog) record(w io.Writer, truth string, enc *linkage.Encoded, r linkage.Result) {
	if m.earlier == nil {
		m.earlier, m.byPerson = map[string][]earlierRecord{}, map[uint64][]earlierRecord{}
	}
	m.wrongLink(w, truth, enc, r)
	m.falseReview(w, truth, enc, r)
	before := m.earlier[truth]
	m.earlier[truth] = append(before, earlierRecord{enc, r.Person, truth})
	m.byPerson[r.Person] = append(m.byPerson[r.Person], earlierRecord{enc, r.Person, truth})
	if len(before) == 0 || slices.ContainsFunc(before, func(o earlierRecord) bool { return o.person == r.Person }) {
		return
	}
	best, bestScore, _ := m.closest(enc, before, nil)
	shared := slices.ContainsFunc(before, func(e earlierRecord) bool { return sharesKey(enc.Blocks, e.enc.Blocks) })
	fmt.Fprintf(w, "missed %s %v %.1f; closest of its person %.1f, shares a key %v: %s\n",
		truth, r.Decision, r.Score, bestScore, shared, describe(best))
}

// closest is the pattern and score of enc against the best-scoring of
// records that skip (nil: none) does not leave out; ok is false when none
// was compared.
func (m *missLog) closest(enc *linkage.Encoded, records []earlierRecord, skip func(earlierRecord) bool) (best linkage.Pattern, bestScore float64, ok bool) {
	bestScore = -1e9
	for _, o := range records {
		if skip != nil && skip(o) {
			continue
		}
		ok = true
		p := linkage.Compare(&enc.Features, &o.enc.Features)
		if s := m.model.Score(p); s > bestScore {
			best, bestScore = p, s
		}
	}
	return best, bestScore, ok
}

// wrongLink prints a record linked to a person with records of another
// true person.
func (m *missLog) wrongLink(w io.Writer, truth string, enc *linkage.Encoded, r linkage.Result) {
	if r.Decision != linkage.Linked {
		return
	}
	sameTruth := func(o earlierRecord) bool { return o.truth == truth }
	if best, bestScore, wrong := m.closest(enc, m.byPerson[r.Person], sameTruth); wrong {
		fmt.Fprintf(w, "wrong link %s %.1f; closest record of another true person %.1f: %s\n", truth, r.Score, bestScore, describe(best))
	}
}

// falseReview prints a review item whose candidate person holds no record
// of the record's true person, with the pattern against the closest of its
// records.
func (m *missLog) falseReview(w io.Writer, truth string, enc *linkage.Encoded, r linkage.Result) {
	if r.Decision != linkage.Review {
		return
	}
	held := m.byPerson[r.Candidate]
	if slices.ContainsFunc(held, func(o earlierRecord) bool { return o.truth == truth }) {
		return
	}
	best, _, _ := m.closest(enc, held, nil)
	fmt.Fprintf(w, "false review %s %.1f: %s\n", truth, r.Score, describe(best))
}

func sharesKey(a, b []uint64) bool {
	return slices.ContainsFunc(a, func(k uint64) bool { return slices.Contains(b, k) })
}

// describe names a pattern's levels, leaving out the missing ones.
func describe(p linkage.Pattern) string { return strings.Join(p.Levels(), " ") }

// problemCodes lists a rejected record's missing fields and its other
// problem codes (fields and codes, no value).
func problemCodes(ps []identity.Problem) string {
	var missing, other []string
	for _, p := range ps {
		if p.Code == "W-901" {
			missing = append(missing, string(p.Field))
		} else {
			other = append(other, strings.TrimSpace(fmt.Sprintf("%s %s", p.Field, p.Code)))
		}
	}
	return fmt.Sprintf("missing %s; %s", strings.Join(missing, " "), strings.Join(other, ", "))
}
