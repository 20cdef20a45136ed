package linkage

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/badgerstore"
	"github.com/ttpnl/ttp/synth"
)

// synthFields are the identity fields of a synth.Record, in synthValues' order.
var synthFields = []identity.Field{identity.FieldAGB, identity.FieldPatientNumber, identity.FieldBSN,
	identity.FieldFamilyName, identity.FieldGivenNames, identity.FieldInitials, identity.FieldBirthDate,
	identity.FieldSex, identity.FieldPostcode, identity.FieldHouseNumber}

func synthValues(r *synth.Record) []string {
	return []string{r.AGB, r.PatientNumber, r.BSN, r.FamilyName, r.GivenNames, r.Initials, r.BirthDate, r.Sex, r.Postcode, r.HouseNo}
}

func openStore(t testing.TB, dir string) store.Store {
	t.Helper()
	db, err := badgerstore.Open(dir, make([]byte, 32), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

var ctx = context.Background()

// openIndex opens an index on a fresh store, closed at the test's end.
func openIndex(t testing.TB) *Index {
	t.Helper()
	db := openStore(t, t.TempDir())
	t.Cleanup(func() { db.Close() })
	return Open(db, DefaultModel())
}

// registerAll registers a batch of any size in MaxBatch pieces.
func registerAll(t testing.TB, ix *Index, batch []Encoded) []Result {
	t.Helper()
	var out []Result
	for lo := 0; lo < len(batch); lo += MaxBatch {
		res, err := ix.Register(ctx, batch[lo:min(lo+MaxBatch, len(batch))], nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res...)
	}
	return out
}

func stats(t testing.TB, ix *Index) store.IndexStats {
	t.Helper()
	s, err := ix.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func reviews(t testing.TB, ix *Index) []ReviewItem {
	t.Helper()
	items, err := ix.Reviews(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// testOwner owns the records the tests register.
var testOwner = Owner{Organisation: "test hospital"}

// testKit parses and encodes synth records with a fixed linkage key.
type testKit struct {
	parser *Parser
	enc    *Encoder
}

func newKit(t testing.TB) *testKit {
	t.Helper()
	p, err := NewParser(synthFields, testOwner, "", identity.Date{Year: 2026, Month: 1, Day: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &testKit{parser: p, enc: NewEncoder(bytes.Repeat([]byte{7}, 32))}
}

// encode parses and encodes records; rejected ones are left out, and truths
// holds the accepted ones' true persons.
func (k *testKit) encode(recs []synth.Record) (batch []Encoded, truths []int64) {
	var in Input
	var problems []identity.Problem
	for i := range recs {
		problems = k.parser.Parse(problems[:0], synthValues(&recs[i]), strconv.Itoa(i), &in)
		if identity.Rejected(problems) {
			continue
		}
		batch = append(batch, k.enc.Encode(&in))
		truths = append(truths, recs[i].PersonID)
	}
	return batch, truths
}

func population(persons int, prof synth.Profile) []synth.Record {
	var out []synth.Record
	for r := range synth.NewPopulation(synth.Config{Seed: 42, Persons: persons, Institutions: 3, Profile: prof}).Records() {
		out = append(out, r)
	}
	return out
}

func TestFeaturesCodecRoundTrip(t *testing.T) {
	k := newKit(t)
	batch, _ := k.encode(population(200, synth.DefaultProfile()))
	for i := range batch {
		raw := encodeFeatures(&batch[i].Features)
		var f Features
		if err := decodeFeatures(raw, &f); err != nil {
			t.Fatal(err)
		}
		if f != batch[i].Features {
			t.Fatalf("record %d: round trip changed it", i)
		}
		// Truncated, or with a byte too many, it is refused.
		for _, bad := range [][]byte{raw[:len(raw)-1], append(raw[:len(raw):len(raw)], 0), nil} {
			if err := decodeFeatures(bad, &f); err == nil {
				t.Fatalf("record %d: decoded %d malformed bytes", i, len(bad))
			}
		}
	}
}

func FuzzDecodeFeatures(f *testing.F) {
	f.Add(encodeFeatures(&Features{BSN: 3, FamilyBloom: Bloom{1, 2}}))
	for _, l := range layouts {
		f.Add(make([]byte, layoutBytes(l)))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var feat Features
		if err := decodeFeatures(b, &feat); err != nil {
			return
		}
		// What decodes encodes back to the same bytes; a record of an
		// older layout to the new one, with the added words and Bloom
		// filters 0.
		want := b
		for _, l := range layouts {
			if layoutBytes(l) == len(b) {
				words, blooms := b[:l[0]*4], b[l[0]*4:]
				want = slices.Concat(words, make([]byte, (featureWords-l[0])*4), blooms, make([]byte, (featureBlooms-l[1])*bloomWords*8))
			}
		}
		if again := encodeFeatures(&feat); !bytes.Equal(again, want) {
			t.Fatalf("decode then encode changed the features:\n%x\n%x", b, again)
		}
	})
}

func TestDecodePatternRefusesUnknownLevels(t *testing.T) {
	p := Pattern{1, 2, 3, 4, 1, 3, 2}
	if got, err := decodePattern(p[:]); err != nil || got != p {
		t.Fatalf("decodePattern(%v) = %v, %v", p, got, err)
	}
	for _, bad := range [][]byte{nil, p[:3], append(p[:], 0), {9, 0, 0, 0, 0, 0, 0}} {
		if _, err := decodePattern(bad); err == nil {
			t.Fatalf("decoded pattern %v", bad)
		}
	}
}

func TestDice(t *testing.T) {
	h := newKit(t).enc.hasher()
	a := h.bloom("x", "jansen")
	if d := Dice(&a, &a); d != 1 {
		t.Fatalf("Dice of identical filters = %v", d)
	}
	var disjointA, disjointB Bloom
	disjointA[0], disjointB[1] = 0xff, 0xff
	if d := Dice(&disjointA, &disjointB); d != 0 {
		t.Fatalf("Dice of disjoint filters = %v", d)
	}
	b, c := h.bloom("x", "janssen"), h.bloom("x", "pietersma")
	if close, far := Dice(&a, &b), Dice(&a, &c); close < 0.8 || far > 0.4 {
		t.Fatalf("Dice jansen/janssen %.2f, jansen/pietersma %.2f", close, far)
	}
	var empty Bloom
	if d := Dice(&empty, &empty); d != 0 || !empty.Empty() {
		t.Fatalf("Dice of empty filters = %v", d)
	}
}

func TestPhonetic(t *testing.T) {
	for _, group := range [][]string{{"jansen", "janssen", "janzen"}, {"meijer", "meyer", "mijer"}, {"de vries", "de fries"}} {
		for _, n := range group[1:] {
			if phonetic(n) != phonetic(group[0]) {
				t.Errorf("phonetic(%q) = %q, phonetic(%q) = %q; want equal", n, phonetic(n), group[0], phonetic(group[0]))
			}
		}
	}
	if phonetic("jansen") == phonetic("bakker") {
		t.Error("jansen and bakker sound alike")
	}
}

func TestModelJSONRoundTrip(t *testing.T) {
	m := DefaultModel()
	m.Upper, m.Lower = 18, 9
	m.MU[cmpFamily][2] = MU{M: 0.06, U: 0.005}
	if err := m.Prepare(); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseModel(raw)
	if err != nil {
		t.Fatal(err)
	}
	if back.MU != m.MU || back.Upper != m.Upper || back.Lower != m.Lower || back.weights != m.weights {
		t.Fatalf("round trip changed the model:\n%s", raw)
	}
	// Left out: the defaults.
	def, err := ParseModel([]byte(`{}`))
	if err != nil || def.MU != DefaultModel().MU || def.Upper != DefaultModel().Upper {
		t.Fatalf("empty model: %v", err)
	}
	for _, bad := range []string{
		`{"comparisons": {"shoe_size": {"agree": {"m": 0.9, "u": 0.1}}}}`,
		`{"comparisons": {"bsn": {"close": {"m": 0.9, "u": 0.1}}}}`,
		`{"comparisons": {"bsn": {"missing": {"m": 0.9, "u": 0.1}}}}`,
		`{"comparisons": {"bsn": {"agree": {"m": 0, "u": 0.1}}}}`,
		`{"comparisons": {"bsn": {"agree": {"m": 0.9, "u": 1.5}}}}`,
		`{"comparisons": {"sex": {"agree": {"m": -0.1, "u": 0.5}}}}`,
		`{"upper": 5, "lower": 10}`,
		`{"uper": 5}`,
	} {
		if _, err := ParseModel([]byte(bad)); err == nil {
			t.Errorf("ParseModel accepted %s", bad)
		}
	}
}

// TestOpenReloads registers a population in batches, queues review items,
// resolves one, and checks that the index opened again on the store is the
// same: records, persons, review items, merges and known sources.
func TestOpenReloads(t *testing.T) {
	dir := t.TempDir()
	db := openStore(t, dir)
	k := newKit(t)
	ix := Open(db, DefaultModel())
	batch, _ := k.encode(population(2000, synth.DefaultProfile()))
	var results []Result
	for i := 0; i < len(batch); i += 500 {
		results = append(results, registerAll(t, ix, batch[i:min(i+500, len(batch))])...)
	}
	// Two extra records that go to review.
	review := reviewPair(k)
	res := registerAll(t, ix, review)
	if res[1].Decision != Review {
		t.Fatalf("review pair: second record %v (score %.1f); want review", res[1].Decision, res[1].Score)
	}
	items := reviews(t, ix)
	if len(items) == 0 {
		t.Fatal("no review items")
	}
	if err := ix.Resolve(ctx, items[len(items)-1].ID, true, synthNow, nil); err != nil {
		t.Fatal(err)
	}
	wantStats, wantReviews := stats(t, ix), reviews(t, ix)
	if len(wantReviews) != len(items)-1 {
		t.Fatalf("%d review items after resolving one of %d", len(wantReviews), len(items))
	}
	wantChanges, err := ix.Changes(ctx, 0, 100)
	if err != nil || len(wantChanges) != 1 || wantChanges[0].Kind != Merge {
		t.Fatalf("changes %v %v; want one merge", wantChanges, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openStore(t, dir)
	defer db.Close()
	again := Open(db, DefaultModel())
	if got := stats(t, again); got != wantStats {
		t.Fatalf("reloaded: %+v; want %+v", got, wantStats)
	}
	if got := reviews(t, again); !slices.Equal(got, wantReviews) {
		t.Fatalf("reloaded review items differ:\n%v\n%v", got, wantReviews)
	}
	if ch, err := again.Changes(ctx, 0, 100); err != nil || len(ch) != 1 || ch[0] != wantChanges[0] {
		t.Fatalf("reloaded changes %v %v; want %v", ch, err, wantChanges)
	}
	// Everything registered is known, with the same person; the merged-away
	// person's records now answer with the survivor.
	survivor := func(p uint64) uint64 {
		if p == wantChanges[0].From {
			return wantChanges[0].To
		}
		return p
	}
	all := append(results, res...)
	known := registerAll(t, again, append(batch[:len(batch):len(batch)], review...))
	for i, r := range known {
		if r.Decision != Known || r.Person != survivor(all[i].Person) {
			t.Fatalf("record %d after reload: %v person %x; want known %x", i, r.Decision, r.Person, survivor(all[i].Person))
		}
	}
	if got := stats(t, again); got != wantStats {
		t.Fatalf("registering known records changed the index to %+v", got)
	}
}

var synthNow = synthTime()

// reviewPair is two records that agree on family name, birth date and
// postcode but not on the given name, without BSN.
func reviewPair(k *testKit) []Encoded {
	var out []Encoded
	for i, given := range []string{"Maria", "Johanna"} {
		var in Input
		problems := k.parser.Parse(nil, []string{"06000009", "RV-" + strconv.Itoa(i), "", "Hoogeveld", given, "", "1948-07-21", "V", "9712 GP", ""}, "", &in)
		if identity.Rejected(problems) {
			panic(problems)
		}
		out = append(out, k.enc.Encode(&in))
	}
	return out
}

func TestComparisonNamesLevels(t *testing.T) {
	c := Pattern{}.Comparison()
	if len(c) != int(numComparisons) || c["bsn"] != "missing" {
		t.Fatalf("Comparison of the zero pattern: %v", c)
	}
	for name, level := range c {
		if strings.ContainsAny(name+level, "0123456789") {
			t.Fatalf("a comparison shows a number: %s=%s", name, level)
		}
	}
}

func synthTime() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
