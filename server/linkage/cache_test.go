package linkage

import (
	"github.com/ttpnl/ttp/server/linkage/pairwise"
	"strconv"
	"testing"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/synth"
)

func openTempStore(t *testing.T) store.Store {
	t.Helper()
	db := openStore(t, t.TempDir())
	t.Cleanup(func() { db.Close() })
	return db
}

// TestCacheFollowsMerges: after a merge, a record linked to the merged-away
// person's record joins the survivor, not a person that no longer exists,
// although the candidate was cached with its old person.
func TestCacheFollowsMerges(t *testing.T) {
	ix := openIndex(t)
	k := newKit(t)
	pair := reviewPair(k)
	first := registerAll(t, ix, pair[:1])[0]
	second := registerAll(t, ix, pair[1:])[0]
	ix.caching.Wait()
	if second.Decision != Review || ix.cache.len() != 2 {
		t.Fatalf("second: %v; cache %d records; want review and both cached", second.Decision, ix.cache.len())
	}
	items := reviews(t, ix)
	if err := ix.Resolve(ctx, items[0].ID, true, synthNow, nil); err != nil {
		t.Fatal(err)
	}
	// Johanna again, from another source: she links to her own earlier
	// record, whose person is now Maria's.
	var in Input
	problems := k.parser.Parse(nil, []string{"06000009", "RV-again", "", "Hoogeveld", "Johanna", "", "1948-07-21", "V", "9712 GP", ""}, "x", &in)
	if identity.Rejected(problems) {
		t.Fatal(problems)
	}
	again := registerAll(t, ix, []Encoded{k.enc.Encode(&in)})[0]
	if again.Decision != Linked || again.Person != first.Person {
		t.Fatalf("after the merge: %v person %x; want linked to the survivor %x (merged away: %x)", again.Decision, again.Person, first.Person, second.Person)
	}
}

// TestCacheBounded: the cache never holds more than its capacity, and
// registration is the same with a cache of one record as with a large one.
func TestCacheBounded(t *testing.T) {
	k := newKit(t)
	batch, _ := k.encode(population(1500, synth.DefaultProfile()))
	small := OpenWithCache(openTempStore(t), DefaultModel(), 1)
	large := OpenWithCache(openTempStore(t), DefaultModel(), 1_000_000)
	rs := registerAll(t, small, batch)
	rl := registerAll(t, large, batch)
	small.caching.Wait()
	large.caching.Wait()
	if n := small.cache.len(); n > 2 {
		t.Fatalf("a cache of capacity 1 holds %d records", n)
	}
	if large.cache.len() < len(batch)/2 {
		t.Fatalf("the large cache holds only %d of %d records", large.cache.len(), len(batch))
	}
	for i := range rs {
		if rs[i].Decision != rl[i].Decision {
			t.Fatalf("record %d: %v with a tiny cache, %v with a large one", i, rs[i].Decision, rl[i].Decision)
		}
	}
	var both pairwise.Tally
	for i := range rs {
		both.Add(strconv.FormatUint(rs[i].Person, 16), strconv.FormatUint(rl[i].Person, 16))
	}
	if p, r, _ := both.Scores(); p != 1 || r != 1 {
		t.Fatalf("the partitions differ: precision %v recall %v", p, r)
	}
}
