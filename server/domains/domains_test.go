package domains_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/badgerstore"
)

func newKEK(t *testing.T) *keys.KEK {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	k, err := keys.NewKEK(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func clock() func() time.Time {
	var mu sync.Mutex
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Minute)
		return now
	}
}

// env is a registry on a real store. The store is encrypted under a key
// derived from the KEK, as in production.
type env struct {
	dir string
	kek *keys.KEK
	db  store.Store
	log *audit.Log
	reg *domains.Registry
}

func open(t *testing.T, dir string, kek *keys.KEK) (*env, error) {
	t.Helper()
	db, err := openStore(dir, kek.DeriveStoreKey())
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir, kek: kek, db: db}
	e.log = audit.New(db, clock())
	if e.reg, err = domains.Open(ctx, db, kek, e.log, rand.Reader, clock()); err != nil {
		db.Close()
		return nil, err
	}
	return e, nil
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e, err := open(t, t.TempDir(), newKEK(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Close() })
	return e
}

// reopen closes the store and opens it again with kek.
func (e *env) reopen(t *testing.T, kek *keys.KEK) (*env, error) {
	t.Helper()
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	e2, err := open(t, e.dir, kek)
	if err == nil {
		t.Cleanup(func() { e2.db.Close() })
	}
	return e2, err
}

var op = audit.Actor{Principal: "operator", Organisation: "TTP"}

var ctx = context.Background()

func openStore(dir string, key []byte) (store.Store, error) {
	return badgerstore.Open(dir, key, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func records(t *testing.T, db store.Store) []audit.Record {
	t.Helper()
	var out []audit.Record
	if err := audit.Each(ctx, db, func(rec audit.Record, _ []byte) error {
		out = append(out, rec)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustCreate(t *testing.T, reg *domains.Registry, name string, brokers ...string) *domains.Domain {
	t.Helper()
	d, err := reg.Create(ctx, op, name, "description of "+name, domains.Access{Brokers: brokers})
	if err != nil {
		t.Fatalf("Create %q: %v", name, err)
	}
	return d
}

func pseudonym(t *testing.T, d *domains.Domain, v keys.Version, field, value string) string {
	t.Helper()
	pz, err := d.Keyring.Pseudonymizer(v)
	if err != nil {
		t.Fatalf("domain %s, version %d: %v", d.Name, v, err)
	}
	return pz.Pseudonym(field, value)
}

func TestCreateGetList(t *testing.T) {
	e := newEnv(t)
	brokers := []string{"hospital-a", "hospital-b"}
	d := mustCreate(t, e.reg, "nkr", brokers...)
	brokers[0] = "changed by caller" // the registry keeps its own copy
	if d.Name != "nkr" || d.Description != "description of nkr" || !slices.Equal(d.Brokers, []string{"hospital-a", "hospital-b"}) {
		t.Fatalf("created %+v", d)
	}
	if d.Keyring.Current() != 1 || d.Keyring.Domain() != "nkr" || d.Created.IsZero() {
		t.Fatalf("new domain: version %d, keyring domain %q, created %v", d.Keyring.Current(), d.Keyring.Domain(), d.Created)
	}
	if !d.MayCode("hospital-b") || d.MayCode("hospital-c") || d.MayCode("") {
		t.Fatal("MayCode does not follow the broker list")
	}
	got, err := e.reg.Get("nkr")
	if err != nil || got != d {
		t.Fatalf("Get = %v, %v", got, err)
	}
	mustCreate(t, e.reg, "a-first")
	mustCreate(t, e.reg, "zz")
	var names []string
	for _, d := range e.reg.List() {
		names = append(names, d.Name)
	}
	if want := []string{"a-first", "nkr", "zz"}; !slices.Equal(names, want) {
		t.Fatalf("List = %v, want %v", names, want)
	}
}

func TestErrorKinds(t *testing.T) {
	e := newEnv(t)
	mustCreate(t, e.reg, "nhr")
	cases := []struct {
		name string
		call func() error
		want apierr.Kind
	}{
		{"create twice", func() error { _, err := e.reg.Create(ctx, op, "nhr", "", domains.Access{}); return err }, apierr.AlreadyExists},
		{"get unknown", func() error { _, err := e.reg.Get("nope"); return err }, apierr.NotFound},
		{"rotate unknown", func() error { _, err := e.reg.Rotate(ctx, op, "nope"); return err }, apierr.NotFound},
		{"create bad name", func() error { _, err := e.reg.Create(ctx, op, "Bad Name", "", domains.Access{}); return err }, apierr.InvalidArgument},
		{"create empty broker", func() error {
			_, err := e.reg.Create(ctx, op, "ok", "", domains.Access{Brokers: []string{"a", ""}})
			return err
		}, apierr.InvalidArgument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if err == nil {
				t.Fatal("no error")
			}
			if got := apierr.KindOf(err); got != c.want {
				t.Fatalf("kind %v (%v), want %v", got, err, c.want)
			}
		})
	}
	// None of the failures changed anything or wrote an audit record.
	if recs := records(t, e.db); len(recs) != 1 {
		t.Fatalf("%d audit records after one good Create and failures, want 1", len(recs))
	}
	if _, err := e.reg.Get("ok"); apierr.KindOf(err) != apierr.NotFound {
		t.Fatalf("a refused Create left a domain behind: %v", err)
	}
}

func TestCheckName(t *testing.T) {
	cases := []struct {
		name string
		ok   bool
	}{
		{"a", true},
		{"0", true},
		{"nkr", true},
		{"nkr-2025_study", true},
		{"9lives", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"-leading", false},
		{"_leading", false},
		{"Upper", false},
		{"with space", false},
		{"dot.ted", false},
		{"slash/ed", false},
		{"ümlaut", false},
		{"tab\t", false},
		{"nul\x00", false},
		{"trailing-", true},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%q", c.name), func(t *testing.T) {
			err := domains.CheckName(c.name)
			if (err == nil) != c.ok {
				t.Fatalf("CheckName = %v, want ok=%v", err, c.ok)
			}
			if err != nil && apierr.KindOf(err) != apierr.InvalidArgument {
				t.Fatalf("kind %v, want InvalidArgument", apierr.KindOf(err))
			}
		})
	}
}

func TestRotate(t *testing.T) {
	e := newEnv(t)
	d1 := mustCreate(t, e.reg, "nkr", "b")
	p1 := pseudonym(t, d1, 1, "bsn", "123456782")
	d2, err := e.reg.Rotate(ctx, op, "nkr")
	if err != nil {
		t.Fatal(err)
	}
	if d2.Keyring.Current() != 2 {
		t.Fatalf("after rotation: current %d, want 2", d2.Keyring.Current())
	}
	// A Domain value is immutable: one held across the rotation still codes
	// with version 1 as current.
	if d1.Keyring.Current() != 1 {
		t.Fatalf("rotation changed the old Domain value: current %d", d1.Keyring.Current())
	}
	if got, _ := e.reg.Get("nkr"); got != d2 {
		t.Fatal("Get does not return the rotated domain")
	}
	if d2.Name != d1.Name || d2.Description != d1.Description || !d2.Created.Equal(d1.Created) || !slices.Equal(d2.Brokers, d1.Brokers) {
		t.Fatalf("rotation changed the domain's settings: %+v -> %+v", d1, d2)
	}
	if got := pseudonym(t, d2, 1, "bsn", "123456782"); got != p1 {
		t.Fatalf("version 1 changed with rotation: %s, was %s", got, p1)
	}
	p2 := pseudonym(t, d2, 2, "bsn", "123456782")
	if p2 == p1 || !strings.HasPrefix(p2, "v2.") || !strings.HasPrefix(p1, "v1.") {
		t.Fatalf("v1 %s, v2 %s", p1, p2)
	}
	if vs := d2.Keyring.Versions(); len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 || !vs[1].Created.After(vs[0].Created) {
		t.Fatalf("versions %+v", vs)
	}
}

func TestAuditRecordPerChange(t *testing.T) {
	e := newEnv(t)
	steps := []struct {
		action, domain string
		version        uint32
		do             func() error
	}{
		{"CreateDomain", "nkr", 1, func() error {
			_, err := e.reg.Create(ctx, op, "nkr", "", domains.Access{Brokers: []string{"b1"}})
			return err
		}},
		{"CreateDomain", "nhr", 1, func() error { _, err := e.reg.Create(ctx, op, "nhr", "", domains.Access{}); return err }},
		{"RotateDomainKey", "nkr", 2, func() error { _, err := e.reg.Rotate(ctx, op, "nkr"); return err }},
		{"RotateDomainKey", "nkr", 3, func() error { _, err := e.reg.Rotate(ctx, op, "nkr"); return err }},
		{"RotateDomainKey", "nhr", 2, func() error { _, err := e.reg.Rotate(ctx, op, "nhr"); return err }},
	}
	for i, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		recs := records(t, e.db)
		if len(recs) != i+1 {
			t.Fatalf("after step %d: %d audit records, want %d", i, len(recs), i+1)
		}
		r := recs[i]
		if r.Action != s.action || r.Domain != s.domain || r.KeyVersion != s.version || r.Principal != op.Principal || r.Organisation != op.Organisation || r.Outcome != "ok" {
			t.Errorf("step %d: audit record %+v, want %s of %s version %d by %s", i, r, s.action, s.domain, s.version, op.Principal)
		}
	}
	if n, err := audit.Verify(ctx, e.db); err != nil || n != uint64(len(steps)) {
		t.Fatalf("Verify = %d, %v", n, err)
	}
}

func TestReopen(t *testing.T) {
	e := newEnv(t)
	values := []struct{ field, value string }{{"bsn", "123456782"}, {"family_name", "van der berg"}, {"birth_date", "1956-03-14"}}
	type key struct {
		domain  string
		version keys.Version
		field   string
	}
	mustCreate(t, e.reg, "nkr", "b1", "b2")
	mustCreate(t, e.reg, "nhr")
	if _, err := e.reg.Rotate(ctx, op, "nkr"); err != nil {
		t.Fatal(err)
	}
	snapshot := func(reg *domains.Registry) (map[key]string, []string) {
		ps := map[key]string{}
		var desc []string
		for _, d := range reg.List() {
			desc = append(desc, fmt.Sprintf("%s|%s|%v|%s|%v", d.Name, d.Description, d.Brokers, d.Created.Format(time.RFC3339Nano), d.Keyring.Versions()))
			for _, vi := range d.Keyring.Versions() {
				for _, v := range values {
					ps[key{d.Name, vi.Version, v.field}] = pseudonym(t, d, vi.Version, v.field, v.value)
				}
			}
		}
		return ps, desc
	}
	ps, desc := snapshot(e.reg)
	if len(ps) != 3*len(values) {
		t.Fatalf("%d pseudonyms before reopening, want %d", len(ps), 3*len(values))
	}

	e2, err := e.reopen(t, e.kek)
	if err != nil {
		t.Fatalf("reopen with the same KEK: %v", err)
	}
	ps2, desc2 := snapshot(e2.reg)
	if !slices.Equal(desc, desc2) {
		t.Fatalf("domains after reopening:\n%v\nwant\n%v", desc2, desc)
	}
	for k, p := range ps {
		if ps2[k] != p {
			t.Errorf("%v: pseudonym %s after reopening, %s before", k, ps2[k], p)
		}
	}
	if len(ps2) != len(ps) {
		t.Errorf("%d pseudonyms after reopening, %d before", len(ps2), len(ps))
	}

	// Rotating after the reopen keeps the old versions and the audit chain.
	d, err := e2.reg.Rotate(ctx, op, "nkr")
	if err != nil || d.Keyring.Current() != 3 {
		t.Fatalf("rotate after reopen: %v, %v", d, err)
	}
	for _, v := range values {
		for _, ver := range []keys.Version{1, 2} {
			if got := pseudonym(t, d, ver, v.field, v.value); got != ps[key{"nkr", ver, v.field}] {
				t.Errorf("version %d of %s changed after a rotation", ver, v.field)
			}
		}
	}
	if n, err := audit.Verify(ctx, e2.db); err != nil || n != 4 {
		t.Fatalf("Verify after reopen and rotate = %d, %v; want 4, nil", n, err)
	}

	// The rotation made after the reopen survives another reopen.
	e3, err := e2.reopen(t, e.kek)
	if err != nil {
		t.Fatal(err)
	}
	if d3, _ := e3.reg.Get("nkr"); d3 == nil || d3.Keyring.Current() != 3 || pseudonym(t, d3, 3, "bsn", "123456782") != pseudonym(t, d, 3, "bsn", "123456782") {
		t.Fatal("rotation after reopen is not durable")
	}
}

func TestReopenWithOtherKEK(t *testing.T) {
	e := newEnv(t)
	mustCreate(t, e.reg, "nkr")
	other := newKEK(t)
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}

	// The store itself is encrypted under a key derived from the KEK, so
	// another KEK does not even open it.
	if db, err := openStore(e.dir, other.DeriveStoreKey()); err == nil {
		db.Close()
		t.Fatal("store opened under another KEK's store key")
	}

	// With the right store key but the wrong KEK the keyrings do not unwrap.
	db, err := openStore(e.dir, e.kek.DeriveStoreKey())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = domains.Open(ctx, db, other, audit.New(db, clock()), rand.Reader, clock())
	if err == nil {
		t.Fatal("domains opened under another KEK")
	}
	if !errors.Is(err, keys.ErrUnwrap) {
		t.Fatalf("error %v does not wrap keys.ErrUnwrap", err)
	}
	if hexRun.MatchString(err.Error()) || b64Run.MatchString(err.Error()) {
		t.Fatalf("error looks like it contains key material: %v", err)
	}
}

func TestFailedWriteChangesNothing(t *testing.T) {
	e := newEnv(t)
	d := mustCreate(t, e.reg, "nkr")
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.Rotate(ctx, op, "nkr"); err == nil {
		t.Fatal("Rotate succeeded on a closed store")
	}
	if got, _ := e.reg.Get("nkr"); got != d || got.Keyring.Current() != 1 {
		t.Fatalf("a failed rotation changed the live domain: current %d", got.Keyring.Current())
	}
	if _, err := e.reg.Create(ctx, op, "nhr", "", domains.Access{}); err == nil {
		t.Fatal("Create succeeded on a closed store")
	}
	if _, err := e.reg.Get("nhr"); apierr.KindOf(err) != apierr.NotFound {
		t.Fatalf("a failed Create left a domain: %v", err)
	}
}

var (
	hexRun = regexp.MustCompile(`[0-9a-fA-F]{32,}`)
	b64Run = regexp.MustCompile(`[A-Za-z0-9+/_-]{40,}`)
)

func TestFormattingShowsNoKeys(t *testing.T) {
	e := newEnv(t)
	mustCreate(t, e.reg, "nkr", "b1")
	if _, err := e.reg.Rotate(ctx, op, "nkr"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e.reg, "nhr")
	var outs []string
	for _, d := range e.reg.List() {
		// %x of a Domain hex-encodes its name and description, so it is
		// checked on the keyring alone.
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d"} {
			outs = append(outs, fmt.Sprintf(verb, d), fmt.Sprintf(verb, *d))
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
			outs = append(outs, fmt.Sprintf(verb, d.Keyring))
		}
		var b strings.Builder
		slog.New(slog.NewJSONHandler(&b, nil)).Info("domain", "domain", d, "keyring", d.Keyring)
		outs = append(outs, b.String())
	}
	for _, out := range outs {
		if m := hexRun.FindString(out); m != "" {
			t.Errorf("formatted domain has a long hex run %q: %s", m, out)
		}
		if m := b64Run.FindString(out); m != "" {
			t.Errorf("formatted domain has a long base64 run %q: %s", m, out)
		}
	}
	// The audit records say what happened and nothing secret either.
	if err := audit.Each(ctx, e.db, func(_ audit.Record, raw []byte) error {
		// Each record names its predecessor by a 64-digit hash; nothing else
		// may look like key material.
		s := regexp.MustCompile(`"prev":"[0-9a-f]*"`).ReplaceAllString(string(raw), "")
		if hexRun.MatchString(s) || b64Run.MatchString(s) {
			t.Errorf("audit record looks like it holds key material: %s", raw)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentCreateRotate(t *testing.T) {
	e := newEnv(t)
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("d%d", i)
			if _, err := e.reg.Create(ctx, op, name, "", domains.Access{}); err != nil {
				t.Error(err)
				return
			}
			if _, err := e.reg.Rotate(ctx, op, name); err != nil {
				t.Error(err)
			}
			e.reg.List()
		})
	}
	wg.Wait()
	if got := len(e.reg.List()); got != n {
		t.Fatalf("%d domains, want %d", got, n)
	}
	if c, err := audit.Verify(ctx, e.db); err != nil || c != 2*n {
		t.Fatalf("Verify = %d, %v; want %d", c, err, 2*n)
	}
}
