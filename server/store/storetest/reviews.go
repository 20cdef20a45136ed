package storetest

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/store"
)

// reviews lists review items in one read-only transaction.
func reviews(t *testing.T, s store.Store, after uint64, limit int) []store.ReviewItem {
	t.Helper()
	var got []store.ReviewItem
	view(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.Index().Reviews(after, limit)
		return err
	})
	return got
}

func reviewIDs(items []store.ReviewItem) []uint64 {
	var ids []uint64
	for _, r := range items {
		ids = append(ids, r.Record)
	}
	return ids
}

func testReviews(t *testing.T, f Factory) {
	s := f.New(t)
	items := []store.ReviewItem{
		{Record: 30, Candidate: 3, ScoreMilli: 1500, Pattern: []byte{1, 2, 3}},
		{Record: 10, Candidate: 1, ScoreMilli: -2750, Pattern: allBytes()},
		{Record: 20, Candidate: 2, ScoreMilli: 0, Pattern: []byte{}},
		{Record: 1 << 62, Candidate: 1<<64 - 1, ScoreMilli: -1 << 62, Pattern: nil},
	}
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Index().Review(10)
		wantErr(t, "Review before PutReview", err, store.ErrNotFound)
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		for _, it := range items {
			in := it
			in.Pattern = append([]byte(nil), it.Pattern...)
			err := tx.Index().PutReview(in)
			if len(in.Pattern) > 0 {
				in.Pattern[0] ^= 0xff // the caller's again
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	storedItem := func(it store.ReviewItem) store.ReviewItem {
		if len(it.Pattern) == 0 {
			it.Pattern = nil
		}
		return it
	}
	view(t, s, func(tx store.Tx) error {
		for _, it := range items {
			got, err := tx.Index().Review(it.Record)
			if err != nil {
				return fmt.Errorf("Review(%d): %w", it.Record, err)
			}
			equal(t, fmt.Sprintf("Review(%d)", it.Record), storedItem(it), got)
		}
		return nil
	})
	equal(t, "Reviews(0, 10)", []uint64{10, 20, 30, 1 << 62}, reviewIDs(reviews(t, s, 0, 10)))
	equal(t, "Reviews(0, 2)", []uint64{10, 20}, reviewIDs(reviews(t, s, 0, 2)))
	equal(t, "Reviews(10, 2)", []uint64{20, 30}, reviewIDs(reviews(t, s, 10, 2)))
	equal(t, "Reviews(11, 10)", []uint64{20, 30, 1 << 62}, reviewIDs(reviews(t, s, 11, 10)))
	if got := reviews(t, s, 1<<62, 10); len(got) != 0 {
		t.Errorf("Reviews after the last: %v", reviewIDs(got))
	}
	listed := reviews(t, s, 0, 10)
	if len(listed) == 4 {
		equal(t, "listed item 10", storedItem(items[1]), listed[0])
		equal(t, "listed item 30", storedItem(items[0]), listed[2])
	}

	// Replace one, close two (one of them twice, and one never opened).
	replaced := store.ReviewItem{Record: 20, Candidate: 9, ScoreMilli: 999, Pattern: []byte{9}}
	update(t, s, func(tx store.Tx) error {
		ix := tx.Index()
		if err := ix.PutReview(replaced); err != nil {
			return err
		}
		for _, id := range []uint64{10, 30, 30, 12345} {
			if err := ix.DeleteReview(id); err != nil {
				return fmt.Errorf("DeleteReview(%d): %w", id, err)
			}
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Index().Review(20)
		if err != nil {
			return err
		}
		equal(t, "replaced item", replaced, got)
		for _, id := range []uint64{10, 30} {
			_, err := tx.Index().Review(id)
			wantErr(t, fmt.Sprintf("Review(%d) after DeleteReview", id), err, store.ErrNotFound)
		}
		return nil
	})
	equal(t, "Reviews after replacing and closing", []uint64{20, 1 << 62}, reviewIDs(reviews(t, s, 0, 10)))
}

// changes lists person changes in one read-only transaction.
func changes(t *testing.T, s store.Store, after uint64, limit int) []store.PersonChange {
	t.Helper()
	var got []store.PersonChange
	view(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.Index().Changes(after, limit)
		return err
	})
	return got
}

// change is the i-th test change (1-based).
func change(i int) store.PersonChange {
	return store.PersonChange{Time: when(i).Add(time.Duration(i) * time.Hour), Kind: uint8(i%2 + 1),
		From: uint64(i) * 1000, To: math.MaxUint64 - uint64(i)}
}

// checkChanges checks that got are changes first..first+len-1.
func checkChanges(t *testing.T, what string, got []store.PersonChange, first, n int) {
	t.Helper()
	if len(got) != n {
		t.Errorf("%s: %d changes, want %d", what, len(got), n)
		return
	}
	for i, c := range got {
		want := change(first + i)
		want.Seq = uint64(first + i)
		if !sameTime(want.Time, c.Time) {
			t.Errorf("%s: change %d at %v, want %v in UTC", what, c.Seq, c.Time, want.Time)
		}
		want.Time, c.Time = time.Time{}, time.Time{}
		equal(t, fmt.Sprintf("%s: change %d", what, first+i), want, c)
	}
}

func testChanges(t *testing.T, f Factory) {
	s := f.New(t)
	if got := changes(t, s, 0, 10); len(got) != 0 {
		t.Errorf("Changes of an empty log: %v", got)
	}
	appendChanges := func(from, to int) {
		update(t, s, func(tx store.Tx) error {
			for i := from; i <= to; i++ {
				c, err := tx.Index().AppendChange(change(i))
				if err != nil {
					return err
				}
				if c.Seq != uint64(i) || c.Kind != change(i).Kind || c.From != change(i).From || c.To != change(i).To {
					t.Errorf("AppendChange %d returned %+v", i, c)
				}
			}
			return nil
		})
	}
	appendChanges(1, 1)
	appendChanges(2, 5)
	checkChanges(t, "Changes(0, 10)", changes(t, s, 0, 10), 1, 5)
	checkChanges(t, "Changes(0, 2)", changes(t, s, 0, 2), 1, 2)
	checkChanges(t, "Changes(1, 1)", changes(t, s, 1, 1), 2, 1)
	checkChanges(t, "Changes(3, 10)", changes(t, s, 3, 10), 4, 2)
	checkChanges(t, "Changes(5, 10)", changes(t, s, 5, 10), 6, 0)
	checkChanges(t, "Changes(1<<40, 10)", changes(t, s, 1<<40, 10), 1, 0)
	appendChanges(6, 6)
	checkChanges(t, "Changes(4, 10) after another append", changes(t, s, 4, 10), 5, 2)
}
