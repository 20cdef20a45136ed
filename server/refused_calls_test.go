package server_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/servertest"
)

// TestRefusedCallsAudited: before, only successes were recorded; a broker
// could probe, be refused and leave no trace. Now every refusal is in the
// audit log with its principal and reason: a certificate that names no
// configured principal (authentication), a method the role may not call
// (authorisation), a malformed request, a quota, a limit.
func TestRefusedCallsAudited(t *testing.T) {
	s := quotaFixture(t, 1000)
	ctx := context.Background()
	f := s.Fixture
	issued, err := f.CA.IssueClient("stranger")
	if err != nil {
		t.Fatal(err)
	}
	if err := issued.WriteFiles(filepath.Join(f.Dir, "clients", "stranger.pem"), filepath.Join(f.Dir, "clients", "stranger-key.pem")); err != nil {
		t.Fatal(err)
	}
	_, err = ttpv1.NewCodingServiceClient(s.Dial(t, "stranger")).Code(ctx, &ttpv1.CodeRequest{Domain: "hmac", Fields: []string{"bsn"}, Records: bsnChunk(0, 1)})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("unconfigured principal: %v", err)
	}
	_, err = ttpv1.NewAdminServiceClient(s.Dial(t, "sweeper")).CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: "mine", Brokers: []string{"sweeper"}})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("broker creating a domain: %v", err)
	}
	coding := ttpv1.NewCodingServiceClient(s.Dial(t, "sweeper"))
	if _, err := coding.Code(ctx, &ttpv1.CodeRequest{Domain: "hmac", Fields: []string{"bsn"}}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("no records: %v", err)
	}
	if _, err := coding.Code(ctx, &ttpv1.CodeRequest{Domain: "hmac", Fields: []string{"bsn"}, Records: bsnChunk(0, 1001)}); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("over the quota: %v", err)
	}

	for _, want := range []struct{ principal, organisation, method, outcome, detail string }{
		{"stranger", "", "Code", "refused: authentication", "not configured"},
		{"sweeper", "org of sweeper", "CreateDomain", "refused: authorisation", "may not call"},
		{"sweeper", "org of sweeper", "Code", "refused: invalid request", "no records"},
		{"sweeper", "org of sweeper", "Code", "refused: limit", "records in one message"},
	} {
		rec := wantRefusalAudited(t, s, want.principal, want.method, want.outcome)
		if rec.Organisation != want.organisation || !strings.Contains(rec.Detail, want.detail) || rec.Records != 1 {
			t.Errorf("%s %s: recorded %+v, want organisation %q, one call, detail with %q", want.principal, want.outcome, rec, want.organisation, want.detail)
		}
	}
	wantRefusalMetric(t, s, "stranger", "authentication")
	wantRefusalMetric(t, s, "sweeper", "authorisation")
	wantRefusalMetric(t, s, "sweeper", "invalid request")
}

// TestRefusalFloodWritesFewRecords is the flood of issue 8, finding 4:
// 20,000 empty CodeStream chunks wrote 20,000 durable audit records in
// 6 s. The first empty chunk now ends the stream; and a flood of refused
// calls is counted, not written call by call: 2,000 refused calls give at
// most two records (the first at once, the count at the end of the
// window), whose counts add up to 2,000.
func TestRefusalFloodWritesFewRecords(t *testing.T) {
	s := quotaFixture(t, 1000)
	ctx := context.Background()
	before := auditCount(t, s)
	coding := ttpv1.NewCodingServiceClient(s.Dial(t, "sweeper"))
	stream, err := coding.CodeStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for i := range 20_000 {
			req := &ttpv1.CodeStreamRequest{}
			if i == 0 {
				req.Domain, req.Fields = "hmac", []string{"bsn"}
			}
			if stream.Send(req) != nil {
				return
			}
		}
		stream.CloseSend()
	}()
	_, err = stream.Recv()
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "no records") {
		t.Fatalf("first empty chunk: got %v, want InvalidArgument, no records", err)
	}
	if _, err := stream.Recv(); errors.Is(err, io.EOF) || err == nil {
		t.Fatalf("the stream goes on after the empty chunk: %v", err)
	}

	const flood = 2000
	for range flood {
		if _, err := coding.Code(ctx, &ttpv1.CodeRequest{Domain: "hmac", Fields: []string{"bsn"}}); status.Code(err) != codes.InvalidArgument {
			t.Fatalf("empty Code: %v", err)
		}
	}
	recs := refusalRecords(t, s)
	var code, codeStream []audit.Record
	for _, r := range recs {
		switch r.Action {
		case "Code":
			code = append(code, r)
		case "CodeStream":
			codeStream = append(codeStream, r)
		}
	}
	if len(codeStream) != 1 || codeStream[0].Records != 1 {
		t.Errorf("the stream of empty chunks: %+v, want one record of one refused call", codeStream)
	}
	total := int64(0)
	for _, r := range code {
		total += r.Records
	}
	if len(code) > 2 || total != flood {
		t.Errorf("%d refused calls: %d audit records counting %d calls, want at most 2 counting %d", flood, len(code), total, flood)
	}
	if after := auditCount(t, s); after-before > 3 {
		t.Errorf("the flood wrote %d audit records", after-before)
	}
}

// TestCallLimit: a principal may have config.DefaultLimits.Calls calls
// running at once; the next is refused with ResourceExhausted before its
// first message is read, and audited; when one ends, there is room again.
// Another principal is not affected.
func TestCallLimit(t *testing.T) {
	s := quotaFixture(t, 1_000_000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	coding := ttpv1.NewCodingServiceClient(s.Dial(t, "sweeper"))
	var open []ttpv1.CodingService_CodeStreamClient
	for range config.DefaultLimits.Calls {
		st := openCodeStream(t, ctx, coding)
		open = append(open, st)
	}
	extraCtx, cancelExtra := context.WithTimeout(ctx, 10*time.Second)
	defer cancelExtra()
	extra, err := coding.CodeStream(extraCtx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = extra.Recv()
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "calls running") {
		t.Fatalf("call %d: got %v, want ResourceExhausted", config.DefaultLimits.Calls+1, err)
	}
	openCodeStream(t, ctx, ttpv1.NewCodingServiceClient(s.Dial(t, "prober")))

	open[0].CloseSend()
	if _, err := open[0].Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("closing a stream: %v", err)
	}
	for {
		// The slot comes back when the server has ended the stream, just
		// after the client has seen its end.
		st, err := coding.CodeStream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st.Send(&ttpv1.CodeStreamRequest{Domain: "hmac", Fields: []string{"bsn"}, Records: bsnChunk(0, 1)})
		if _, err = st.Recv(); err == nil {
			break
		}
		if status.Code(err) != codes.ResourceExhausted {
			t.Fatal(err)
		}
	}
	wantRefusalAudited(t, s, "sweeper", "CodeStream", "refused: limit")
}

// openCodeStream opens a CodeStream and has one chunk answered, so that it
// certainly runs.
func openCodeStream(t *testing.T, ctx context.Context, coding ttpv1.CodingServiceClient) ttpv1.CodingService_CodeStreamClient {
	t.Helper()
	st, err := coding.CodeStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Send(&ttpv1.CodeStreamRequest{Domain: "hmac", Fields: []string{"bsn"}, Records: bsnChunk(0, 1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Recv(); err != nil {
		t.Fatal(err)
	}
	return st
}

func auditCount(t *testing.T, s *servertest.Server) int {
	t.Helper()
	n := 0
	if err := audit.Each(context.Background(), s.Store(), func(audit.Record, []byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}
