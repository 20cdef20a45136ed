package linkage

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/server/linkage/pairwise"
	"github.com/ttpnl/ttp/synth"
	"github.com/ttpnl/ttp/synth/febrl"
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
		{"default", synth.DefaultProfile(), 0.9996, 0.9993},
		{"no-bsn", noBSN, 0.9995, 0.996},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			k := newKit(t)
			db := openStore(t, t.TempDir())
			defer db.Close()
			ix := Open(db, DefaultModel())
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
			// Data whose BSNs are seldom replaced: the estimate of
			// EstimateOtherBSN sends no pattern to a clerk.
			pairs, err := ix.CandidatePairs(ctx, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			if est := EstimateOtherBSN(pairs, DefaultModel()); len(est.Review) != 0 || est.Replaced > 0.01 {
				t.Errorf("estimate of replaced BSNs %.4f with %d patterns to a clerk; want few and none", est.Replaced, len(est.Review))
			}
		})
	}
}

// TestQualityFEBRL registers FEBRL deduplication sets (data the index was
// not tuned to; see package synth/febrl) with and without BSNs, and checks
// precision and F1, and F1 after a perfect clerk resolved every review
// item, against floors a little below what they score now. A rejected
// record counts as a person of its own: its pairs are missed. With BSNs it
// then estimates on the index which patterns with two valid BSNs go to a
// clerk (EstimateOtherBSN), registers the set again with that estimate,
// and checks the same figures (minAdapted after a clerk), none lower.
func TestQualityFEBRL(t *testing.T) {
	for _, tc := range []struct {
		file                          string
		noBSN                         bool
		minPrecision, minF1, minClerk float64
		minAdapted                    float64
	}{
		{"dataset1.csv", false, 0.999, 0.981, 0.995, 0.995},
		{"dataset1.csv", true, 0.999, 0.895, 0.979, 0},
		{"dataset2.csv", false, 0.999, 0.981, 0.996, 0.996},
		{"dataset2.csv", true, 0.999, 0.858, 0.983, 0},
		{"dataset3.csv", false, 0.999, 0.970, 0.993, 0.995},
		{"dataset3.csv", true, 0.999, 0.855, 0.968, 0},
	} {
		t.Run(fmt.Sprintf("%s/no-bsn=%v", tc.file, tc.noBSN), func(t *testing.T) {
			f, err := os.Open("../../synth/febrl/testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := febrl.Read(f, tc.noBSN)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			ix := openIndex(t)
			q := registerFEBRL(t, ix, recs)
			t.Logf("%d records, %d rejected; precision %.5f recall %.5f F1 %.5f; after a perfect clerk F1 %.5f", len(recs), q.rejected, q.p, q.r, q.f1, q.clerkF1)
			if q.p < tc.minPrecision || q.f1 < tc.minF1 || q.clerkF1 < tc.minClerk {
				t.Fatalf("precision %.5f (want ≥ %v), F1 %.5f (want ≥ %v), after a perfect clerk %.5f (want ≥ %v)", q.p, tc.minPrecision, q.f1, tc.minF1, q.clerkF1, tc.minClerk)
			}
			if tc.noBSN {
				return
			}
			pairs, err := ix.CandidatePairs(ctx, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			adapted := *DefaultModel()
			adapted.SetOtherBSN(EstimateOtherBSN(pairs, DefaultModel()))
			ix = openIndex(t)
			ix.SetModel(&adapted)
			a := registerFEBRL(t, ix, recs)
			t.Logf("with the estimate (%d patterns, replaced %.4f): precision %.5f recall %.5f F1 %.5f; after a perfect clerk F1 %.5f", len(adapted.OtherBSN.Review), adapted.OtherBSN.Replaced, a.p, a.r, a.f1, a.clerkF1)
			if a.p < q.p || a.r < q.r || a.clerkF1 < q.clerkF1 || a.clerkF1 < tc.minAdapted {
				t.Fatalf("with the estimate precision %.5f recall %.5f after a clerk %.5f; want none lower than without, and after a clerk ≥ %v", a.p, a.r, a.clerkF1, tc.minAdapted)
			}
		})
	}
}

// febrlQuality is what registerFEBRL measured.
type febrlQuality struct {
	rejected          int
	p, r, f1, clerkF1 float64
}

// registerFEBRL registers FEBRL records into ix and scores the result
// against their ground truth, also after a perfect clerk.
func registerFEBRL(t *testing.T, ix *Index, recs []synth.Record) febrlQuality {
	t.Helper()
	k := newKit(t)
	// FEBRL records have no patient numbers: a source name.
	parser, err := NewParser(synthFields, testOwner, "febrl", identity.Date{Year: 2026, Month: 1, Day: 1})
	if err != nil {
		t.Fatal(err)
	}
	var sc pairwise.Tally
	var clerk pairwise.Clerk
	var batch []Encoded
	var truths []int64
	var in Input
	for i := range recs {
		problems := parser.Parse(nil, synthValues(&recs[i]), strconv.Itoa(i), &in)
		if identity.Rejected(problems) {
			truth, person := strconv.FormatInt(recs[i].PersonID, 10), "rejected-"+strconv.Itoa(i)
			sc.Add(truth, person)
			clerk.Add(truth, person, "")
			continue
		}
		batch = append(batch, k.enc.Encode(&in))
		truths = append(truths, recs[i].PersonID)
	}
	for j, r := range registerAll(t, ix, batch) {
		truth, person := strconv.FormatInt(truths[j], 10), strconv.FormatUint(r.Person, 16)
		sc.Add(truth, person)
		var candidate string
		if r.Decision == Review {
			candidate = strconv.FormatUint(r.Candidate, 16)
		}
		clerk.Add(truth, person, candidate)
	}
	q := febrlQuality{rejected: len(recs) - len(batch)}
	q.p, q.r, q.f1 = sc.Scores()
	_, _, q.clerkF1 = clerk.Tally().Scores()
	return q
}
