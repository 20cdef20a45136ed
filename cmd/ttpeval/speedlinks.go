package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ttpnl/ttp/server/linkage"
)

// linkTally compares, with -speed-links, a -speed run's decisions with the
// synthetic population's ground truth, so that linkage quality at a
// national index's size can be seen beside its speed: whether the
// thresholds, set on small sets, still keep strangers apart when blocks
// hold ten times the members. It keeps 4 bytes per person in the index
// and a bit per synthetic person, so the run's memory is not the one
// -speed reports without it.
type linkTally struct {
	truth []uint32 // index person → synthetic person + 1 (0: none seen)
	// joined holds, for the index persons that records of other synthetic
	// persons were linked to, those persons: a later record of one of
	// them that links there links to its own record, which is right (the
	// error was the earlier link, counted then).
	joined map[uint64][]uint32
	filled []uint64 // synthetic persons with a record in the fill, a bit each
	linkCounts
	// right and wrong count the measured records' automatic links by their
	// score's margin over the link threshold, in half bits (the last
	// bucket: that much or more): how many links an upper threshold raised
	// by so much would send to a clerk, right ones and wrong ones.
	right, wrong [marginBuckets]int
	// wrongPatterns and rightPatterns count the measured records' wrong
	// and right links by their agreement pattern: which kinds of pairs a
	// guard would have to hold back, and how many right ones it would
	// send to a clerk with them.
	wrongPatterns, rightPatterns map[linkage.Pattern]int
}

// topWrongPatterns is how many of the commonest wrong links' patterns the
// report shows.
const topWrongPatterns = 8

// marginBuckets is the half bits of margin counted: 0 to 10 bits.
const marginBuckets = 21

// speedLinkThreshold is the link threshold of the model -speed runs with.
var speedLinkThreshold = linkage.DefaultModel().Upper

type linkCounts struct {
	measured, shouldLink int // measured records; those whose person has a fill record
	linked, wrongLinks   int // automatic links; to another person
	reviews, trueReviews int // review items; whose candidate is the person
	missed               int // new persons though the person has a fill record
	fillWrongLinks       int // automatic links within the fill (each person has one record there)
}

// record takes a batch's results, with the synthetic person of each
// record (persons, in the batch's order); phase 0 is the fill.
func (l *linkTally) record(phase int, results []linkage.Result, persons []int64) {
	for i, res := range results {
		s := uint32(persons[i]) + 1
		if phase == 1 {
			l.measure(res, s)
		} else if res.Decision == linkage.Linked {
			l.fillWrongLinks++
		}
		switch res.Decision {
		case linkage.Linked:
			l.join(res.Person, s)
		case linkage.New, linkage.Review:
			l.setTruth(res.Person, s)
		}
		if phase == 0 {
			l.setFilled(s)
		}
	}
}

func (l *linkTally) measure(res linkage.Result, s uint32) {
	l.measured++
	should := l.isFilled(s)
	if should {
		l.shouldLink++
	}
	switch res.Decision {
	case linkage.Linked:
		l.linked++
		margin := min(max(int(2*(res.Score-speedLinkThreshold)), 0), marginBuckets-1)
		if !l.holds(res.Person, s) {
			l.wrongLinks++
			l.wrong[margin]++
			countPattern(&l.wrongPatterns, res.Pattern)
		} else {
			l.right[margin]++
			countPattern(&l.rightPatterns, res.Pattern)
		}
	case linkage.Review:
		l.reviews++
		if l.holds(res.Candidate, s) {
			l.trueReviews++
		}
	case linkage.New:
		if should {
			l.missed++
		}
	}
}

// countPattern counts p in *m, made on first use.
func countPattern(m *map[linkage.Pattern]int, p linkage.Pattern) {
	if *m == nil {
		*m = map[linkage.Pattern]int{}
	}
	(*m)[p]++
}

// holds reports whether index person holds a record of synthetic person s.
func (l *linkTally) holds(person uint64, s uint32) bool {
	return l.truthOf(person) == s || slices.Contains(l.joined[person], s)
}

// join records that a record of s was linked to person.
func (l *linkTally) join(person uint64, s uint32) {
	if l.holds(person, s) {
		return
	}
	if l.joined == nil {
		l.joined = map[uint64][]uint32{}
	}
	l.joined[person] = append(l.joined[person], s)
}

func (l *linkTally) setTruth(person uint64, s uint32) {
	for uint64(len(l.truth)) <= person {
		l.truth = append(l.truth, make([]uint32, max(len(l.truth), 1<<16))...)
	}
	l.truth[person] = s
}

func (l *linkTally) truthOf(person uint64) uint32 {
	if person < uint64(len(l.truth)) {
		return l.truth[person]
	}
	return 0
}

func (l *linkTally) setFilled(s uint32) {
	for len(l.filled) <= int(s/64) {
		l.filled = append(l.filled, make([]uint64, max(len(l.filled), 1<<10))...)
	}
	l.filled[s/64] |= 1 << (s % 64)
}

func (l *linkTally) isFilled(s uint32) bool {
	return int(s/64) < len(l.filled) && l.filled[s/64]&(1<<(s%64)) != 0
}

func (l *linkTally) report(indexed int) {
	correct := l.linked - l.wrongLinks
	fmt.Printf("links against ground truth, %d measured records into %d persons: %d should link; %d linked, %d of them wrongly (precision %.5f, recall %.5f); %d review items (%d true); %d new persons though their person was in the index; %d wrong links within the fill\n",
		l.measured, indexed, l.shouldLink, l.linked, l.wrongLinks, float64(correct)/float64(max(l.linked, 1)), float64(correct)/float64(max(l.shouldLink, 1)),
		l.reviews, l.trueReviews, l.missed, l.fillWrongLinks)
	fmt.Printf("  automatic links by the link threshold raised by: right links that would go to a clerk / wrong ones\n ")
	var right, wrong int
	for i := range marginBuckets - 1 {
		right, wrong = right+l.right[i], wrong+l.wrong[i]
		fmt.Printf(" +%.1f: %d/%d", float64(i+1)/2, right, wrong)
	}
	fmt.Println()
	fmt.Printf("  the commonest wrong links' agreement patterns (wrong links / right links of the pattern):\n")
	for _, pc := range l.commonestWrong(topWrongPatterns) {
		fmt.Printf("    %d / %d: %s\n", pc.n, l.rightPatterns[pc.p], strings.Join(pc.p.Levels(), " "))
	}
}

type patternCount struct {
	p linkage.Pattern
	n int
}

// commonestWrong returns the n patterns of the most wrong links, most
// first (ties in pattern order, so that runs print alike).
func (l *linkTally) commonestWrong(n int) []patternCount {
	var out []patternCount
	for p, c := range l.wrongPatterns {
		out = append(out, patternCount{p, c})
	}
	slices.SortFunc(out, func(a, b patternCount) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return slices.Compare(a.p[:], b.p[:])
	})
	return out[:min(n, len(out))]
}
