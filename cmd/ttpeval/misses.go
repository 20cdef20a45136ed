package main

import (
	"fmt"
	"io"
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
	for _, o := range before {
		if o.person == r.Person {
			return
		}
	}
	if len(before) == 0 {
		return
	}
	var best linkage.Pattern
	bestScore, shared := -1e9, false
	for _, e := range before {
		o := e.enc
		p := linkage.Compare(&enc.Features, &o.Features)
		if s := m.model.Score(p); s > bestScore {
			best, bestScore = p, s
		}
		shared = shared || sharesKey(enc.Blocks, o.Blocks)
	}
	fmt.Fprintf(w, "missed %s %v %.1f; closest of its person %.1f, shares a key %v: %s\n",
		truth, r.Decision, r.Score, bestScore, shared, describe(best))
}

// wrongLink prints a record linked to a person with records of another
// true person.
func (m *missLog) wrongLink(w io.Writer, truth string, enc *linkage.Encoded, r linkage.Result) {
	if r.Decision != linkage.Linked {
		return
	}
	var best linkage.Pattern
	bestScore, wrong := -1e9, false
	for _, o := range m.byPerson[r.Person] {
		if o.truth == truth {
			continue
		}
		wrong = true
		p := linkage.Compare(&enc.Features, &o.enc.Features)
		if s := m.model.Score(p); s > bestScore {
			best, bestScore = p, s
		}
	}
	if wrong {
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
	var best linkage.Pattern
	bestScore := -1e9
	for _, o := range m.byPerson[r.Candidate] {
		if o.truth == truth {
			return
		}
		p := linkage.Compare(&enc.Features, &o.enc.Features)
		if s := m.model.Score(p); s > bestScore {
			best, bestScore = p, s
		}
	}
	fmt.Fprintf(w, "false review %s %.1f: %s\n", truth, r.Score, describe(best))
}

func sharesKey(a, b []uint64) bool {
	for _, k := range a {
		for _, l := range b {
			if k == l {
				return true
			}
		}
	}
	return false
}

// describe names a pattern's levels, leaving out the missing ones.
func describe(p linkage.Pattern) string {
	var parts []string
	for c, name := range linkage.ComparisonNames() {
		if p[c] == 0 {
			continue
		}
		parts = append(parts, name+"="+linkage.LevelNames(name)[p[c]-1])
	}
	return strings.Join(parts, " ")
}

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
