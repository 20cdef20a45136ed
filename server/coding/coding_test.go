package coding_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/coding"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/records"
	"github.com/ttpnl/ttp/server/session"
	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/badgerstore"
)

var (
	today    = identity.Date{Year: 2025, Month: 6, Day: 1}
	broker   = audit.Actor{Principal: "hospital", Organisation: "Hospital"}
	stranger = audit.Actor{Principal: "stranger", Organisation: "Elsewhere"}
	operator = audit.Actor{Principal: "operator", Organisation: "TTP"}
)

// newRegistry opens a registry on a real encrypted store in a fresh
// directory, closed when tb ends.
func newRegistry(tb testing.TB) (*domains.Registry, store.Store) {
	tb.Helper()
	kb := make([]byte, 32)
	if _, err := rand.Read(kb); err != nil {
		tb.Fatal(err)
	}
	kek, err := keys.NewKEK(kb)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := badgerstore.Open(tb.TempDir(), kek.DeriveStoreKey(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	reg, err := domains.Open(ctx, db, kek, audit.New(db, time.Now), rand.Reader, time.Now)
	if err != nil {
		tb.Fatal(err)
	}
	return reg, db
}

var ctx = context.Background()

// codingStart opens a coding session and starts a job in it, as the
// server's CodingService does.
func codingStart(reg *domains.Registry, who audit.Actor, domain string, fields []string, version uint32, today identity.Date) (*coding.Job, error) {
	sess, err := session.Open(reg, who, domain, version, session.Code)
	if err != nil {
		return nil, err
	}
	return coding.Start(sess, fields, today)
}

func create(tb testing.TB, reg *domains.Registry, name string, brokers ...string) *domains.Domain {
	tb.Helper()
	d, err := reg.Create(ctx, operator, name, "", domains.Access{Brokers: brokers})
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func start(t *testing.T, reg *domains.Registry, domain string, version uint32, fields ...string) *coding.Job {
	t.Helper()
	job, err := codingStart(reg, broker, domain, fields, version, today)
	if err != nil {
		t.Fatalf("Start(%s, %v, v%d): %v", domain, fields, version, err)
	}
	return job
}

// want computes a pseudonym the way the specification says, from the
// identity package's canonical form and the domain's keyring.
func want(t *testing.T, d *domains.Domain, v keys.Version, field, raw string) string {
	t.Helper()
	canonical, p := identity.NormalizeValue(identity.Field(field), raw, today)
	if p != nil && p.Fatal() {
		t.Fatalf("test bug: %s %q is rejected: %v", field, raw, p)
	}
	pz, err := d.Keyring.Pseudonymizer(v)
	if err != nil {
		t.Fatal(err)
	}
	return pz.Pseudonym(field, canonical)
}

func rec(key string, values ...string) records.Record {
	return records.Record{RowKey: key, Values: values}
}

func TestStartRefuses(t *testing.T) {
	reg, _ := newRegistry(t)
	create(t, reg, "nkr", broker.Principal)
	cases := []struct {
		name    string
		who     audit.Actor
		domain  string
		fields  []string
		version uint32
		kind    apierr.Kind
		field   string // the violation's field, for InvalidArgument
	}{
		{"empty domain", broker, "", []string{"bsn"}, 0, apierr.InvalidArgument, "domain"},
		{"unknown domain (same answer as a forbidden one)", broker, "nope", []string{"bsn"}, 0, apierr.PermissionDenied, ""},
		{"not a broker of the domain", stranger, "nkr", []string{"bsn"}, 0, apierr.PermissionDenied, ""},
		{"empty principal", audit.Actor{}, "nkr", []string{"bsn"}, 0, apierr.PermissionDenied, ""},
		{"no fields", broker, "nkr", nil, 0, apierr.InvalidArgument, "fields"},
		{"unknown field", broker, "nkr", []string{"bsn", "shoe_size"}, 0, apierr.InvalidArgument, "fields"},
		{"empty field", broker, "nkr", []string{""}, 0, apierr.InvalidArgument, "fields"},
		{"duplicate field", broker, "nkr", []string{"bsn", "postcode", "bsn"}, 0, apierr.InvalidArgument, "fields"},
		{"duplicate field, other spelling", broker, "nkr", []string{"bsn", " BSN"}, 0, apierr.InvalidArgument, "fields"},
		{"patient_number without agb", broker, "nkr", []string{"patient_number", "bsn"}, 0, apierr.InvalidArgument, "fields"},
		{"key version that does not exist", broker, "nkr", []string{"bsn"}, 2, apierr.InvalidArgument, "key_version"},
		{"huge key version", broker, "nkr", []string{"bsn"}, 1 << 31, apierr.InvalidArgument, "key_version"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			job, err := codingStart(reg, c.who, c.domain, c.fields, c.version, today)
			if err == nil {
				t.Fatalf("Start accepted it: job with version %d", job.KeyVersion())
			}
			if got := apierr.KindOf(err); got != c.kind {
				t.Fatalf("kind %v (%v), want %v", got, err, c.kind)
			}
			if c.field != "" {
				e := err.(*apierr.Error)
				if len(e.Violations) != 1 || e.Violations[0].Field != c.field {
					t.Fatalf("violations %+v, want one about %q", e.Violations, c.field)
				}
			}
		})
	}
}

func TestStartAccepts(t *testing.T) {
	reg, _ := newRegistry(t)
	create(t, reg, "nkr", "other", broker.Principal)
	if _, err := reg.Rotate(ctx, operator, "nkr"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		version, want uint32
		fields        []string
	}{
		{0, 2, []string{"bsn"}},
		{1, 1, []string{"agb", "patient_number"}},
		{2, 2, []string{"bsn", "family_name", "given_names", "initials", "birth_date", "sex", "postcode", "house_number", "agb", "patient_number"}},
	} {
		job := start(t, reg, "nkr", c.version, c.fields...)
		if job.KeyVersion() != c.want {
			t.Errorf("asked for version %d, got %d, want %d", c.version, job.KeyVersion(), c.want)
		}
		if strings.Join(job.Fields(), ",") != strings.Join(c.fields, ",") {
			t.Errorf("Fields() = %v, want %v", job.Fields(), c.fields)
		}
		if job.Session.Domain.Name != "nkr" || job.Session.Actor != broker {
			t.Errorf("job for %s by %v", job.Session.Domain.Name, job.Session.Actor)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	reg, _ := newRegistry(t)
	create(t, reg, "nkr", broker.Principal)
	job := start(t, reg, "nkr", 0, "bsn", "family_name")
	secret := "123456782"
	long := strings.Repeat("x", records.MaxValueBytes+1)
	many := make([]records.Record, 11)
	for i := range many {
		many[i] = rec("r", secret, "jansen")
	}
	cases := []struct {
		name    string
		records []records.Record
		max     int
		kind    apierr.Kind
	}{
		{"too few values", []records.Record{rec("1", secret, "jansen"), rec("2", secret)}, 10, apierr.InvalidArgument},
		{"too many values", []records.Record{rec("1", secret, "jansen", "extra")}, 10, apierr.InvalidArgument},
		{"no values", []records.Record{rec("1")}, 10, apierr.InvalidArgument},
		{"too many records", many, 10, apierr.ResourceExhausted},
		{"oversize value", []records.Record{rec("1", secret, long)}, 10, apierr.InvalidArgument},
		{"oversize row key", []records.Record{rec(strings.Repeat("k", records.MaxRowKeyBytes+1), secret, "jansen")}, 10, apierr.InvalidArgument},
		{"non-UTF-8 row key", []records.Record{rec("row\xff\xfe", secret, "jansen")}, 10, apierr.InvalidArgument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := job.Check(c.records, c.max)
			if err == nil {
				t.Fatal("Check accepted it")
			}
			if got := apierr.KindOf(err); got != c.kind {
				t.Fatalf("kind %v (%v), want %v", got, err, c.kind)
			}
			for _, r := range c.records {
				for _, v := range r.Values {
					if len(v) >= 6 && strings.Contains(err.Error(), v) {
						t.Fatalf("error %q contains a record value", err)
					}
				}
			}
		})
	}
	// The limits themselves are allowed.
	ok := []records.Record{
		rec(strings.Repeat("k", records.MaxRowKeyBytes), secret, strings.Repeat("x", records.MaxValueBytes)),
		rec("", "", ""),
	}
	if err := job.Check(ok, 2); err != nil {
		t.Fatalf("Check refused records at the limits: %v", err)
	}
	if err := job.Check(many[:10], 10); err != nil {
		t.Fatalf("Check refused exactly max records: %v", err)
	}
	// An empty chunk does no work but would still cost an audit record:
	// a flood of them is refused, not logged.
	if err := job.Check(nil, 10); apierr.KindOf(err) != apierr.InvalidArgument {
		t.Fatalf("Check of an empty chunk = %v, want InvalidArgument", err)
	}
}

func TestCodeOnePersonManySpellings(t *testing.T) {
	reg, _ := newRegistry(t)
	d := create(t, reg, "nkr", broker.Principal)
	fields := []string{"bsn", "family_name", "postcode", "birth_date"}
	job := start(t, reg, "nkr", 0, fields...)
	recs := []records.Record{
		rec("a", "123456782", "van der Berg", "1234 ab", "1956-03-14"),
		rec("b", "1234.56.782", "Berg, van der", "1234AB", "14-03-1956"),
		rec("c", " 123456782 ", "VAN DER BERG", "1234ab", "19560314"),
	}
	if err := job.Check(recs, 10); err != nil {
		t.Fatal(err)
	}
	out, counts := job.Code(recs)
	if len(out) != len(recs) {
		t.Fatalf("%d coded records for %d", len(out), len(recs))
	}
	for i, cr := range out {
		if cr.RowKey != recs[i].RowKey || cr.Rejected || len(cr.Problems) != 0 {
			t.Fatalf("record %d: %+v", i, cr)
		}
		if len(cr.Pseudonyms) != len(fields) {
			t.Fatalf("record %d: %d pseudonyms for %d fields", i, len(cr.Pseudonyms), len(fields))
		}
		for k, f := range fields {
			if w := want(t, d, 1, f, recs[0].Values[k]); cr.Pseudonyms[k] != w {
				t.Errorf("record %d, %s: %s, want %s", i, f, cr.Pseudonyms[k], w)
			}
		}
	}
	// Different fields never share a pseudonym.
	seen := map[string]bool{}
	for _, p := range out[0].Pseudonyms {
		if seen[p] {
			t.Errorf("pseudonym %s for two fields", p)
		}
		seen[p] = true
	}
	if want := (coding.Counts{Records: 3, Accepted: 3, Pseudonyms: 12}); counts != want {
		t.Errorf("counts %+v, want %+v", counts, want)
	}
}

// The field list is parsed ignoring case and surrounding space, so a field
// must give the same pseudonym however the caller spelled its name.
func TestCodeFieldNameSpelling(t *testing.T) {
	reg, _ := newRegistry(t)
	d := create(t, reg, "nkr", broker.Principal)
	w := want(t, d, 1, "bsn", "123456782")
	for _, name := range []string{"bsn", "BSN", " bsn ", "Bsn"} {
		t.Run(name, func(t *testing.T) {
			job := start(t, reg, "nkr", 0, name)
			out, _ := job.Code([]records.Record{rec("1", "123456782")})
			if got := out[0].Pseudonyms[0]; got != w {
				t.Errorf("field spelled %q gives pseudonym %s, want %s (the one of \"bsn\")", name, got, w)
			}
		})
	}
}

func TestCodeDomainsDiffer(t *testing.T) {
	reg, _ := newRegistry(t)
	create(t, reg, "nkr", broker.Principal)
	create(t, reg, "nhr", broker.Principal)
	fields := []string{"bsn", "family_name"}
	r := []records.Record{rec("1", "123456782", "Jansen")}
	a, _ := start(t, reg, "nkr", 0, fields...).Code(r)
	b, _ := start(t, reg, "nhr", 0, fields...).Code(r)
	for k := range fields {
		if a[0].Pseudonyms[k] == "" || a[0].Pseudonyms[k] == b[0].Pseudonyms[k] {
			t.Errorf("%s: nkr %q, nhr %q", fields[k], a[0].Pseudonyms[k], b[0].Pseudonyms[k])
		}
	}
}

func TestCodePinnedVersion(t *testing.T) {
	reg, _ := newRegistry(t)
	create(t, reg, "nkr", broker.Principal)
	r := []records.Record{rec("1", "123456782")}
	before := start(t, reg, "nkr", 0, "bsn") // current: 1, held across the rotation
	v1, _ := before.Code(r)
	d, err := reg.Rotate(ctx, operator, "nkr")
	if err != nil {
		t.Fatal(err)
	}
	held, _ := before.Code(r)
	pinned, _ := start(t, reg, "nkr", 1, "bsn").Code(r)
	current, _ := start(t, reg, "nkr", 0, "bsn").Code(r)
	explicit, _ := start(t, reg, "nkr", 2, "bsn").Code(r)

	p1, p2 := v1[0].Pseudonyms[0], current[0].Pseudonyms[0]
	if !strings.HasPrefix(p1, "v1.") || !strings.HasPrefix(p2, "v2.") {
		t.Fatalf("pseudonyms %q and %q do not show their versions", p1, p2)
	}
	if p1 == p2 || strings.TrimPrefix(p1, "v1.") == strings.TrimPrefix(p2, "v2.") {
		t.Fatalf("rotation did not change the key: %s, %s", p1, p2)
	}
	if held[0].Pseudonyms[0] != p1 {
		t.Errorf("a job started before the rotation changed version: %s", held[0].Pseudonyms[0])
	}
	if pinned[0].Pseudonyms[0] != p1 {
		t.Errorf("pinned version 1 gives %s after rotation, want %s", pinned[0].Pseudonyms[0], p1)
	}
	if explicit[0].Pseudonyms[0] != p2 || p2 != want(t, d, 2, "bsn", "123456782") {
		t.Errorf("version 2: %s, %s", explicit[0].Pseudonyms[0], p2)
	}
}

func TestCodeRejectedAndCounts(t *testing.T) {
	reg, _ := newRegistry(t)
	d := create(t, reg, "nkr", broker.Principal)
	fields := []string{"bsn", "birth_date", "postcode"}
	job := start(t, reg, "nkr", 0, fields...)
	recs := []records.Record{
		rec("good", "123456782", "1980-02-29", "1234AB"),
		rec("bad-bsn", "123456789", "1980-02-28", "1234AB"),
		rec("bad-date", "123456782", "1980-02-30", "1234AB"),
		rec("missing-postcode", "123456782", "1980-02-28", ""),
		rec("all-missing", "", " ", ""),
	}
	type result struct {
		rejected   bool
		codes      []string
		pseudonyms int
	}
	expect := []result{
		{false, nil, 3},
		{true, []string{"F-103"}, 0},
		{true, []string{"F-302"}, 0},
		{false, []string{"W-901"}, 2},
		{true, []string{"F-901"}, 0},
	}
	if err := job.Check(recs, records.MaxPerCall); err != nil {
		t.Fatal(err)
	}
	out, counts := job.Code(recs)
	if len(out) != len(recs) {
		t.Fatalf("%d coded for %d", len(out), len(recs))
	}
	var wantCounts coding.Counts
	wantCounts.Records = len(recs)
	for i, e := range expect {
		cr := out[i]
		if cr.RowKey != recs[i].RowKey {
			t.Errorf("record %d: row key %q", i, cr.RowKey)
		}
		if cr.Rejected != e.rejected {
			t.Errorf("%s: rejected %v, want %v (%v)", cr.RowKey, cr.Rejected, e.rejected, cr.Problems)
		}
		var codes []string
		for _, p := range cr.Problems {
			codes = append(codes, string(p.Code))
			if p.Message == "" {
				t.Errorf("%s: problem %s without a message", cr.RowKey, p.Code)
			}
			for _, v := range recs[i].Values {
				if len(strings.TrimSpace(v)) >= 6 && strings.Contains(p.Message, strings.TrimSpace(v)) {
					t.Errorf("%s: problem message %q contains a value", cr.RowKey, p.Message)
				}
			}
		}
		if strings.Join(codes, ",") != strings.Join(e.codes, ",") {
			t.Errorf("%s: codes %v, want %v", cr.RowKey, codes, e.codes)
		}
		n := 0
		for k, p := range cr.Pseudonyms {
			if p != "" {
				n++
				if w := want(t, d, 1, fields[k], recs[i].Values[k]); p != w {
					t.Errorf("%s, %s: %s, want %s", cr.RowKey, fields[k], p, w)
				}
			}
		}
		if e.rejected {
			if len(cr.Pseudonyms) != 0 {
				t.Errorf("%s: rejected but has pseudonyms %v", cr.RowKey, cr.Pseudonyms)
			}
			wantCounts.Rejected++
		} else {
			if len(cr.Pseudonyms) != len(fields) {
				t.Errorf("%s: %d pseudonyms for %d fields", cr.RowKey, len(cr.Pseudonyms), len(fields))
			}
			wantCounts.Accepted++
		}
		if n != e.pseudonyms {
			t.Errorf("%s: %d pseudonyms, want %d", cr.RowKey, n, e.pseudonyms)
		}
		wantCounts.Pseudonyms += n
	}
	if counts != wantCounts {
		t.Errorf("counts %+v, want %+v", counts, wantCounts)
	}
	ar := job.AuditRecord("Code", counts)
	if ar.Domain != "nkr" || ar.KeyVersion != 1 || ar.Principal != broker.Principal || ar.Organisation != broker.Organisation ||
		ar.Records != int64(wantCounts.Records) || ar.Accepted != int64(wantCounts.Accepted) || ar.Rejected != int64(wantCounts.Rejected) || ar.Pseudonyms != int64(wantCounts.Pseudonyms) {
		t.Errorf("audit record %+v for counts %+v", ar, wantCounts)
	}
}

func TestCodeConcurrentChunks(t *testing.T) {
	reg, _ := newRegistry(t)
	create(t, reg, "nkr", broker.Principal)
	job := start(t, reg, "nkr", 0, "bsn", "family_name")
	chunk := []records.Record{rec("1", "123456782", "Jansen"), rec("2", "123456789", "de Vries")}
	ref, refCounts := job.Code(chunk)
	done := make(chan error, 8)
	for range 8 {
		go func() {
			for range 50 {
				out, c := job.Code(chunk)
				if c != refCounts || out[0].Pseudonyms[1] != ref[0].Pseudonyms[1] || out[1].Rejected != ref[1].Rejected {
					done <- apierr.New(apierr.Internal, "concurrent Code differs")
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
