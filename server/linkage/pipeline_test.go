package linkage

import (
	"context"
	"testing"

	"github.com/ttpnl/ttp/synth"
)

// TestRegisterWhileTheBatchBeforeIsWritten: a batch registered before the
// one before it is durable still links to that one's records, and the
// pipelined index ends as the one registered batch by batch.
func TestRegisterWhileTheBatchBeforeIsWritten(t *testing.T) {
	k := newKit(t)
	recs := population(600, synth.DefaultProfile())
	batch, _ := k.encode(recs)
	piped, plain := openIndex(t), openIndex(t)

	var p Pipeline
	var got []Result
	for lo := 0; lo < len(batch); lo += 100 {
		res, wait, err := piped.RegisterAsync(context.Background(), batch[lo:min(lo+100, len(batch))], nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Push(wait); err != nil {
			t.Fatal(err)
		}
		got = append(got, res...)
	}
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	var want []Result
	for lo := 0; lo < len(batch); lo += 100 {
		want = append(want, registerAll(t, plain, batch[lo:min(lo+100, len(batch))])...)
	}
	// Person IDs are random: compare the partitions.
	gotOf, wantOf := map[uint64]uint64{}, map[uint64]uint64{}
	links := 0
	for i := range got {
		if got[i].Decision != want[i].Decision {
			t.Fatalf("record %d: %v pipelined, %v batch by batch", i, got[i].Decision, want[i].Decision)
		}
		if got[i].Decision == Linked {
			links++
		}
		g, w := got[i].Person, want[i].Person
		if m, ok := gotOf[g]; ok && m != w || wantOf[w] != 0 && wantOf[w] != g {
			t.Fatalf("record %d: the partitions differ", i)
		}
		gotOf[g], wantOf[w] = w, g
	}
	if links < 100 {
		t.Fatalf("%d links: the test wants records that link across batches", links)
	}
	if s, w := stats(t, piped), stats(t, plain); s != w {
		t.Fatalf("pipelined index %+v, batch by batch %+v", s, w)
	}
}

// TestWaitTwiceReleasesOnce: a batch's wait, called again, does not
// release the batch's state a second time: two later batches would then
// share one state (the second's wait reading maps the first's emptied).
func TestWaitTwiceReleasesOnce(t *testing.T) {
	ix := openIndex(t)
	k := newKit(t)
	batch, _ := k.encode(population(100, synth.DefaultProfile()))
	res, wait, err := ix.RegisterAsync(ctx, batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := wait(); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := batchStates.Get(), batchStates.Get(); a == b {
		t.Fatal("a batch's state was released twice")
	}
	again := registerAll(t, ix, batch)
	for i, r := range res {
		if again[i].Decision != Known || again[i].Person != r.Person {
			t.Fatalf("record %d sent again: %v of person %x; registered as person %x", i, again[i].Decision, again[i].Person, r.Person)
		}
	}
}
