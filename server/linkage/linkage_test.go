package linkage

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/synth"
)

// synthFields are the identity fields of a synth.Record, in synthValues' order.
var synthFields = []identity.Field{identity.FieldAGB, identity.FieldPatientNumber, identity.FieldBSN,
	identity.FieldFamilyName, identity.FieldGivenNames, identity.FieldInitials, identity.FieldBirthDate,
	identity.FieldSex, identity.FieldPostcode, identity.FieldHouseNumber}

func synthValues(r *synth.Record) []string {
	return []string{r.AGB, r.PatientNumber, r.BSN, r.FamilyName, r.GivenNames, r.Initials, r.BirthDate, r.Sex, r.Postcode, r.HouseNo}
}

func openStore(t testing.TB, dir string) *badger.DB {
	t.Helper()
	db, err := store.Open(dir, make([]byte, 32), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// testKit parses and encodes synth records with a fixed linkage key.
type testKit struct {
	parser *Parser
	enc    *Encoder
}

func newKit(t testing.TB) *testKit {
	t.Helper()
	p, err := NewParser(synthFields, identity.Date{Year: 2026, Month: 1, Day: 1})
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
		problems = k.parser.Parse(problems[:0], synthValues(&recs[i]), "", &in)
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

func TestCodecRoundTrip(t *testing.T) {
	k := newKit(t)
	batch, _ := k.encode(population(200, synth.DefaultProfile()))
	for i := range batch {
		person := uint64(i)*0x9e3779b97f4a7c15 + 1
		raw := encodeRecord(batch[i].Source, person, &batch[i])
		src, p, enc, err := decodeRecord(raw)
		if err != nil {
			t.Fatal(err)
		}
		if src != batch[i].Source || p != person || enc.Features != batch[i].Features || !slices.Equal(enc.Blocks, batch[i].Blocks) {
			t.Fatalf("record %d: round trip changed it", i)
		}
		// Truncated, or with a byte too many, it is refused.
		for _, bad := range [][]byte{raw[:len(raw)-1], append(raw[:len(raw):len(raw)], 0), raw[:recordFixed-1], nil} {
			if _, _, _, err := decodeRecord(bad); err == nil {
				t.Fatalf("record %d: decoded %d malformed bytes", i, len(bad))
			}
		}
	}
	// A block count above MaxBlockKeys is refused even with bytes to match.
	raw := encodeRecord(1, 2, &Encoded{})
	raw[recordFixed-1] = MaxBlockKeys + 1
	raw = append(raw, make([]byte, 8*(MaxBlockKeys+1))...)
	if _, _, _, err := decodeRecord(raw); err == nil {
		t.Fatal("decoded a record with too many blocks")
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(1, 2, &Encoded{Blocks: []uint64{3, 4}}))
	f.Add(make([]byte, recordFixed))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		src, person, enc, err := decodeRecord(b)
		if err != nil {
			return
		}
		// What decodes encodes back to the same bytes.
		if again := encodeRecord(src, person, enc); !bytes.Equal(again, b) {
			t.Fatalf("decode then encode changed the record:\n%x\n%x", b, again)
		}
	})
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
	if err := m.prepare(); err != nil {
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
	ix, err := Open(db, DefaultModel(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	batch, _ := k.encode(population(2000, synth.DefaultProfile()))
	var results []Result
	for i := 0; i < len(batch); i += 500 {
		res, err := ix.Register(batch[i:min(i+500, len(batch))], nil)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res...)
	}
	// Two extra records that go to review.
	review := reviewPair(k)
	res, err := ix.Register(review, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res[1].Decision != Review {
		t.Fatalf("review pair: second record %v (score %.1f); want review", res[1].Decision, res[1].Score)
	}
	items := ix.Reviews(1000)
	if len(items) == 0 {
		t.Fatal("no review items")
	}
	if err := ix.Resolve(items[len(items)-1].ID, true, synthNow, nil); err != nil {
		t.Fatal(err)
	}
	wantLen, wantPersons, wantReviews := ix.Len(), ix.Persons(), ix.Reviews(1000)
	wantChanges, err := ix.Changes(0, 100)
	if err != nil || len(wantChanges) != 1 {
		t.Fatalf("changes %v %v; want one", wantChanges, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openStore(t, dir)
	defer db.Close()
	again, err := Open(db, DefaultModel(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if again.Len() != wantLen || again.Persons() != wantPersons {
		t.Fatalf("reloaded: %d records, %d persons; want %d, %d", again.Len(), again.Persons(), wantLen, wantPersons)
	}
	if got := again.Reviews(1000); !slices.Equal(got, wantReviews) {
		t.Fatalf("reloaded review items differ:\n%v\n%v", got, wantReviews)
	}
	if ch, err := again.Changes(0, 100); err != nil || len(ch) != 1 || ch[0] != wantChanges[0] {
		t.Fatalf("reloaded changes %v %v; want %v", ch, err, wantChanges)
	}
	// Everything registered is known, with the same (surviving) person.
	known, err := again.Register(append(batch[:len(batch):len(batch)], review...), nil)
	if err != nil {
		t.Fatal(err)
	}
	all := append(results, res...)
	for i, r := range known {
		if r.Decision != Known || r.Person != ix.Survivor(all[i].Person) {
			t.Fatalf("record %d after reload: %v person %x; want known %x", i, r.Decision, r.Person, ix.Survivor(all[i].Person))
		}
	}
	if again.Len() != wantLen {
		t.Fatalf("registering known records grew the index to %d", again.Len())
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
