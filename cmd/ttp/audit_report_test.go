package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"
	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/checkpoint"
	"github.com/ttpnl/ttp/client/auditlog"
	"github.com/ttpnl/ttp/client/auditreport"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
)

// reportFixture is a server whose log holds a linkage request (request 1)
// amid other records, and the command-line flags of its principals
// ("auditor": the committee's, with its verifier key).
type reportFixture struct {
	f      *servertest.Fixture
	s      *servertest.Server
	flags  map[string][]string
	before string // a checkpoint the committee kept before request 1
	after  string // and one after its rejection
}

func newReportFixture(t *testing.T, b servertest.Backend) *reportFixture {
	t.Helper()
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "committee", Roles: []authz.Role{authz.Committee}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}},
		servertest.Principal{Name: "researcher", Roles: []authz.Role{authz.Researcher}},
	)
	f.UseBackend(t, b)
	r := &reportFixture{f: f, s: f.Start(t), flags: map[string][]string{}}
	for _, p := range []string{"operator", "committee", "registry", "researcher"} {
		c := f.Settings(p, r.s.Addr())
		r.flags[p] = []string{"-server", c.Server, "-ca", c.CA, "-cert", c.Cert, "-key", c.Key}
	}
	r.flags["auditor"] = append(r.flags["committee"], "-verifier-key", f.Settings("committee", r.s.Addr()).AuditKey)
	dir := t.TempDir()
	createDomains(t, ttpv1.NewAdminServiceClient(r.s.Dial(t, "operator")), "a", "b")
	r.before = filepath.Join(dir, "before.txt")
	ttpOK(t, "audit", "checkpoint", "-o", r.before, r.flags["auditor"])
	ttpOK(t, "keygen", "-o", filepath.Join(dir, "researcher"))
	ttpOK(t, "admin", "recipient", "register", r.flags["operator"], "researcher", filepath.Join(dir, "researcher.pub"))
	ttpOK(t, "request", "create", r.flags["registry"], "-project", "p", "-recipient", "researcher", "-sources", "a", "-variables", "x=A", "-purpose", "test")
	ttpOK(t, "request", "submit", r.flags["registry"], "1")
	createDomains(t, ttpv1.NewAdminServiceClient(r.s.Dial(t, "operator")), "c")
	ttpOK(t, "request", "reject", r.flags["committee"], "-reason", "no", "1")
	r.after = filepath.Join(dir, "after.txt")
	ttpOK(t, "audit", "checkpoint", "-o", r.after, r.flags["auditor"])
	return r
}

// lyingAudit is the server's AuditService with its ProveRange answers
// doctored on the way: what a server (or whoever holds it) that wants to
// hand the committee a doctored excerpt can do, with the real log's
// proofs to hand.
type lyingAudit struct {
	ttpv1.AuditServiceClient
	doctor func(req *ttpv1.ProveRangeRequest, resp *ttpv1.ProveRangeResponse)
}

func (l lyingAudit) ProveRange(ctx context.Context, req *ttpv1.ProveRangeRequest, opts ...grpc.CallOption) (*ttpv1.ProveRangeResponse, error) {
	resp, err := l.AuditServiceClient.ProveRange(ctx, req, opts...)
	if err == nil {
		l.doctor(req, resp)
	}
	return resp, err
}

// A server cannot leave a record out of the committee's report, change
// one, or put one in another's place, though it holds every hash of the
// tree: the report refuses what it cannot prove. Nor can it hide the start
// of a request's records by giving a later creation time.
func TestAuditReportRefusesDoctoredExcerpts(t *testing.T) {
	r := newReportFixture(t, servertest.Badger)
	ctx := context.Background()
	v, err := checkpoint.ReadVerifier(r.f.Settings("committee", r.s.Addr()).AuditKey)
	if err != nil {
		t.Fatal(err)
	}
	real := ttpv1.NewAuditServiceClient(r.s.Dial(t, "committee"))
	isRequest1 := func(raw []byte) bool { return bytes.Contains(raw, []byte(`"request":1`)) }

	honest, err := auditlog.Open(ctx, real, v)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := auditreport.Build(ctx, honest, auditreport.Query{Request: 1})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range rep.Events {
		actions = append(actions, e.Action+"/"+e.Principal)
	}
	if got := strings.Join(actions, " "); got != "CreateLinkageRequest/registry SubmitLinkageRequest/registry RejectLinkageRequest/committee" {
		t.Fatalf("honest report of request 1: %s", got)
	}

	cases := []struct {
		name   string
		doctor func(*ttpv1.ProveRangeRequest, *ttpv1.ProveRangeResponse)
		query  auditreport.Query
		want   error
	}{
		{"the rejection left out", func(_ *ttpv1.ProveRangeRequest, resp *ttpv1.ProveRangeResponse) {
			for i, raw := range resp.Records {
				if bytes.Contains(raw, []byte("RejectLinkageRequest")) {
					resp.Records = append(resp.Records[:i], resp.Records[i+1:]...)
					return
				}
			}
		}, auditreport.Query{Request: 1}, checkpoint.ErrInconsistent},
		{"the rejection's principal changed", func(_ *ttpv1.ProveRangeRequest, resp *ttpv1.ProveRangeResponse) {
			for i, raw := range resp.Records {
				resp.Records[i] = bytes.ReplaceAll(raw, []byte(`"principal":"committee"`), []byte(`"principal":"someone"`))
			}
		}, auditreport.Query{Request: 1}, checkpoint.ErrInconsistent},
		{"a record of the request moved out of the run", func(req *ttpv1.ProveRangeRequest, resp *ttpv1.ProveRangeResponse) {
			for i := range resp.Records {
				if isRequest1(resp.Records[i]) && i+1 < len(resp.Records) && !isRequest1(resp.Records[i+1]) {
					resp.Records[i], resp.Records[i+1] = resp.Records[i+1], resp.Records[i]
					return
				}
			}
		}, auditreport.Query{}, checkpoint.ErrInconsistent},
		{"a proof hash dropped", func(_ *ttpv1.ProveRangeRequest, resp *ttpv1.ProveRangeResponse) {
			if len(resp.Proof) > 0 {
				resp.Proof = resp.Proof[1:]
			}
		}, auditreport.Query{From: time.Now().Add(-time.Hour)}, checkpoint.ErrInconsistent},
		{"a later creation time given", func(*ttpv1.ProveRangeRequest, *ttpv1.ProveRangeResponse) {},
			auditreport.Query{Request: 1, Created: time.Now().Add(2 * time.Hour)}, auditreport.ErrIncomplete},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log, err := auditlog.Open(ctx, lyingAudit{real, c.doctor}, v)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := auditreport.Build(ctx, log, c.query)
			if !errors.Is(err, c.want) {
				t.Fatalf("report from a server that gives %s: %v (%d records); want %v", c.name, err, len(rep.Events), c.want)
			}
		})
	}
}

// A record rewritten in the store while ttpd runs (PostgreSQL, which
// others can write to): the report fails. Rewritten with the tree's hashes
// redone, so that the server proves and signs the doctored log: a member
// who kept a checkpoint after the record was written finds out.
func TestAuditReportDetectsRewrittenRecord(t *testing.T) {
	r := newReportFixture(t, servertest.Postgres)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, r.f.Config.StoreURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	var raws [][]byte
	rows, err := conn.Query(ctx, `SELECT data FROM audit_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		raws = append(raws, raw)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	seq := -1
	for i, raw := range raws {
		if bytes.Contains(raw, []byte("RejectLinkageRequest")) {
			seq = i + 1
		}
	}
	var rec map[string]any
	if err := json.Unmarshal(raws[seq-1], &rec); seq < 0 || err != nil {
		t.Fatalf("no rejection in the log (%d records): %v", len(raws), err)
	}
	rec["principal"] = "mallory"
	raws[seq-1], _ = json.Marshal(rec)
	if _, err := conn.Exec(ctx, `UPDATE audit_log SET data = $2 WHERE seq = $1`, int64(seq), raws[seq-1]); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := ttp("audit", "report", "-request", "1", r.flags["auditor"])
	if code != 1 || !strings.Contains(stderr, "NOT VERIFIED") || !strings.Contains(stderr, "are not those of the tree") || strings.Contains(stdout, "mallory") {
		t.Fatalf("report of a log with record %d rewritten: exit %d\nstdout: %s\nstderr: %s\nwant exit 1, NOT VERIFIED, no record shown", seq, code, stdout, stderr)
	}

	// Now the tree redone over the rewritten record.
	var stored []tlog.Hash
	hashes := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, raw := range raws {
		hs, err := tlog.StoredHashes(int64(i), raw, hashes)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	for i, h := range stored {
		if _, err := conn.Exec(ctx, `UPDATE audit_hashes SET hash = $2 WHERE idx = $1`, int64(i), h[:]); err != nil {
			t.Fatal(err)
		}
	}
	out := ttpOK(t, "audit", "report", "-request", "1", r.flags["auditor"])
	if !strings.Contains(out, ",RejectLinkageRequest,ok,mallory,") {
		t.Fatalf("the log rewritten whole proves by itself, as the report says it may; got\n%s", out)
	}
	// A checkpoint from before the record was written does not cover it;
	// one from after does.
	ttpOK(t, "audit", "report", "-request", "1", "-checkpoint", r.before, r.flags["auditor"])
	code, stdout, stderr = ttp("audit", "report", "-request", "1", "-checkpoint", r.after, r.flags["auditor"])
	if code != 1 || !strings.Contains(stderr, "NOT CONSISTENT with "+r.after) || stdout != "" {
		t.Fatalf("report against a checkpoint kept before the rewrite: exit %d\nstdout: %s\nstderr: %s\nwant exit 1, NOT CONSISTENT", code, stdout, stderr)
	}
}
