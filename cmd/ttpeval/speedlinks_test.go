package main

import (
	"testing"

	"github.com/ttpnl/ttp/server/linkage"
)

// TestLinkTally: links, review items and new persons of the measured
// records are judged by the fill's persons: a link to the person's own
// fill record is right, to another's wrong; a review item is true when its
// candidate is the person; a new person is missed when the person had a
// fill record; a link within the fill is wrong. A link to a person that
// holds a record of the same person is right, also when that record was
// linked there wrongly (that error was counted when it was made).
func TestLinkTally(t *testing.T) {
	var l linkTally
	// Fill: synthetic persons 10, 11, 12 become index persons 1, 2, 3;
	// person 13's record links to index person 3 (wrongly).
	l.record(0, []linkage.Result{
		{Person: 1, Decision: linkage.New}, {Person: 2, Decision: linkage.New},
		{Person: 3, Decision: linkage.New}, {Person: 3, Decision: linkage.Linked},
	}, []int64{10, 11, 12, 13})
	l.record(1, []linkage.Result{
		{Person: 1, Decision: linkage.Linked, Score: speedLinkThreshold + 0.2},                                    // 10: right
		{Person: 1, Decision: linkage.Linked, Score: speedLinkThreshold + 1.7, Pattern: linkage.Pattern{0, 1, 2}}, // 11: wrong
		{Person: 4, Decision: linkage.Review, Candidate: 3},                                                       // 12: true review
		{Person: 5, Decision: linkage.New},                                                                        // 13: missed
		{Person: 6, Decision: linkage.New},                                                                        // 14: new, rightly
		{Person: 6, Decision: linkage.Linked, Score: speedLinkThreshold + 30},                                     // 14 again: right, to a measured record
		{Person: 7, Decision: linkage.Review, Candidate: 2},                                                       // 15: false review
		{Person: 3, Decision: linkage.Linked, Score: speedLinkThreshold + 0.7},                                    // 13 again: right, to its fill record in person 3
		{Person: 8, Decision: linkage.Review, Candidate: 3},                                                       // 13 a third time: true review
	}, []int64{10, 11, 12, 13, 14, 14, 15, 13, 13})
	want := linkCounts{measured: 9, shouldLink: 6, linked: 4, wrongLinks: 1, reviews: 3, trueReviews: 2, missed: 1, fillWrongLinks: 1}
	if l.linkCounts != want {
		t.Errorf("tally %+v; want %+v", l.linkCounts, want)
	}
	// By margin over the threshold, in half bits: the right links at 0.2
	// and 30 (the last bucket), the wrong one at 1.7.
	if l.right[0] != 1 || l.right[1] != 1 || l.right[marginBuckets-1] != 1 || l.wrong[3] != 1 {
		t.Errorf("links by margin: right %v, wrong %v", l.right, l.wrong)
	}
	// The wrong link's pattern, and only it; the right links' patterns
	// apart (both zero here).
	if got := l.commonestWrong(topWrongPatterns); len(got) != 1 || got[0].p != (linkage.Pattern{0, 1, 2}) || got[0].n != 1 {
		t.Errorf("wrong links by pattern: %v", got)
	}
	if l.rightPatterns[linkage.Pattern{}] != 3 || l.rightPatterns[linkage.Pattern{0, 1, 2}] != 0 {
		t.Errorf("right links by pattern: %v", l.rightPatterns)
	}
}
