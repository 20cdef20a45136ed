package linkage

import (
	"errors"
	"testing"

	"github.com/ttpnl/ttp/synth"
)

// TestSplitSurvivesReopen: a split record belongs to its new person after
// the store is reopened, and the split is in the change log.
func TestSplitSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	db := openStore(t, dir)
	k := newKit(t)
	ix := Open(db, DefaultModel())
	recs := population(200, synth.CleanProfile())
	batch, _ := k.encode(recs)
	results := registerAll(t, ix, batch)
	// Find a record whose person has another record too.
	count := map[uint64]int{}
	for _, r := range results {
		count[r.Person]++
	}
	victim := -1
	for i, r := range results {
		if count[r.Person] > 1 {
			victim = i
			break
		}
	}
	if victim < 0 {
		t.Fatal("no person with two records in the population")
	}
	persons := stats(t, ix).Persons
	change, err := ix.Split(ctx, batch[victim].Source, synthNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	if change.Kind != Split || change.From != results[victim].Person || change.To == change.From {
		t.Fatalf("change %+v", change)
	}
	if got := stats(t, ix).Persons; got != persons+1 {
		t.Fatalf("persons %d after split, want %d", got, persons+1)
	}
	if _, err := ix.Split(ctx, batch[victim].Source, synthNow, nil); !errors.Is(err, ErrOnlyRecord) {
		t.Fatalf("splitting again: %v, want ErrOnlyRecord", err)
	}
	if _, err := ix.Split(ctx, 12345, synthNow, nil); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("unknown source: %v, want ErrNoRecord", err)
	}
	db.Close()

	db = openStore(t, dir)
	defer db.Close()
	ix = Open(db, DefaultModel())
	again := registerAll(t, ix, batch[victim:victim+1])
	if again[0].Decision != Known || again[0].Person != change.To {
		t.Fatalf("after reopening: %+v, want known as person %x", again[0], change.To)
	}
	log, err := ix.Changes(ctx, 0, 10)
	if err != nil || len(log) != 1 || log[0].Kind != Split {
		t.Fatalf("change log %v %v; want the split", log, err)
	}
}
