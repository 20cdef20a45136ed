package linkage

import (
	"crypto/rand"
	"strconv"
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/linkage/pairwise"
	"github.com/ttpnl/ttp/synth"
)

// TestQuality registers a synthetic population of 20,000 persons at three
// institutions into a fresh index on a real store, as ttpd does (parser,
// encoder, index, batches), and checks pairwise precision and F1 against the
// ground truth, with BSNs and without.
func TestQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("registers two populations of 20,000 persons")
	}
	noBSN := synth.DefaultProfile()
	noBSN.NoBSN = true
	for _, tc := range []struct {
		name                string
		profile             synth.Profile
		minPrecision, minF1 float64
	}{
		{"default", synth.DefaultProfile(), 0.999, 0.995},
		{"no-bsn", noBSN, 0.995, 0.98},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			k := newKit(t)
			db := openStore(t, t.TempDir())
			defer db.Close()
			ix := Open(db, DefaultModel(), rand.Reader)
			recs := population(20_000, tc.profile)
			var sc pairwise.Tally
			decisions := map[Decision]int{}
			const batchSize = 5000
			for i := 0; i < len(recs); i += batchSize {
				batch, truths := k.encode(recs[i:min(i+batchSize, len(recs))])
				results := registerAll(t, ix, batch)
				for j, r := range results {
					sc.Add(strconv.FormatInt(truths[j], 10), strconv.FormatUint(r.Person, 16))
					decisions[r.Decision]++
				}
			}
			p, r, f1 := sc.Scores()
			t.Logf("%d records, %d true persons, %d found; decisions linked %d new %d review %d; pairs true %d predicted %d correct %d; precision %.5f recall %.5f F1 %.5f (%v)",
				sc.Records(), sc.TruePersons(), sc.PredictedPersons(), decisions[Linked], decisions[New], decisions[Review],
				sc.TruePairs(), sc.PredictedPairs(), sc.CorrectPairs(), p, r, f1, time.Since(start).Round(time.Millisecond))
			if sc.Records() < 25_000 {
				t.Fatalf("only %d records registered", sc.Records())
			}
			if p < tc.minPrecision || f1 < tc.minF1 {
				t.Fatalf("precision %.5f (want ≥ %v), F1 %.5f (want ≥ %v)", p, tc.minPrecision, f1, tc.minF1)
			}
		})
	}
}
