package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/quota"
	"github.com/ttpnl/ttp/server/servertest"
)

// quotaFixture runs a server whose brokers "sweeper" and "prober" each may
// have burst pseudonyms (and registrations) at once, and one more every
// 100 seconds (so none while a test runs); both code into HMAC domain "hmac" and OPRF domain "oprf".
func quotaFixture(t *testing.T, burst float64) *servertest.Server {
	t.Helper()
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "sweeper", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "prober", Roles: []authz.Role{authz.Broker}})
	q := &config.Quota{PerDay: 864, Burst: burst}
	f.Config.Quotas = &config.Quotas{Pseudonyms: q, Registrations: q}
	f.Config.MetricsListen = "127.0.0.1:0"
	s := f.Start(t)
	admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
	for name, mode := range map[string]ttpv1.DomainMode{"hmac": ttpv1.DomainMode_DOMAIN_MODE_HMAC, "oprf": ttpv1.DomainMode_DOMAIN_MODE_OPRF} {
		if _, err := admin.CreateDomain(context.Background(), &ttpv1.CreateDomainRequest{Name: name, Brokers: []string{"sweeper", "prober"}, Mode: mode}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// bsnChunk is n candidate BSNs from first on, as a dictionary sweep sends
// them: every nine-digit number, whether it passes the 11-check or not.
func bsnChunk(first, n int) []*ttpv1.Record {
	recs := make([]*ttpv1.Record, n)
	for i := range recs {
		recs[i] = &ttpv1.Record{RowKey: fmt.Sprint(first + i), Values: []string{fmt.Sprintf("%09d", first+i)}}
	}
	return recs
}

// sweep sends n messages on a stream (send(i) sends the i-th) while it
// reads the answers, until the stream ends; it returns how many were
// answered and the error that ended the stream (nil: the end).
func sweep(send func(i int) error, closeSend func() error, recv func() error, n int) (int, error) {
	go func() {
		for i := range n {
			if send(i) != nil {
				return
			}
		}
		closeSend()
	}()
	answered := 0
	for {
		if err := recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return answered, nil
			}
			return answered, err
		}
		answered++
	}
}

// wantQuotaRefusal checks that err is a quota's refusal, with the reason
// and a time to retry after: at most the time the quota's rate (one every
// 100 s in these tests) takes to refill the n refused units.
func wantQuotaRefusal(t *testing.T, what string, err error, n int) {
	maxDelay := time.Duration(n) * 100 * time.Second
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.ResourceExhausted {
		t.Fatalf("%s: got %v, want ResourceExhausted", what, err)
	}
	var reason string
	var delay time.Duration
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			reason = d.Reason
		case *errdetails.RetryInfo:
			delay = d.RetryDelay.AsDuration()
		}
	}
	if reason != quota.Reason {
		t.Fatalf("%s: ErrorInfo reason %q, want %q (%v)", what, reason, quota.Reason, err)
	}
	if delay <= 0 || delay > maxDelay {
		t.Fatalf("%s: RetryInfo delay %v, want above 0 and at most %v (%v)", what, delay, maxDelay, err)
	}
}

// TestQuotaStopsPlaintextSweep is the attack of issue 8, finding 3: a broker
// codes every nine-digit number through CodeStream to build a table from
// BSN to pseudonym. It got 1,000,000 in 1.5 s. With a quota of 20,000
// pseudonyms, the stream ends at the 21st chunk of 1,000 with
// ResourceExhausted and a time to retry; so does a unary Code, and Code
// into the OPRF domain (the plaintext path around the oblivious quota).
func TestQuotaStopsPlaintextSweep(t *testing.T) {
	s := quotaFixture(t, 20_000)
	ctx := context.Background()
	coding := ttpv1.NewCodingServiceClient(s.Dial(t, "sweeper"))
	stream, err := coding.CodeStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	answered, err := sweep(func(i int) error {
		return stream.Send(&ttpv1.CodeStreamRequest{Domain: "hmac", Fields: []string{"bsn"}, Records: bsnChunk(i*1000, 1000)})
	}, stream.CloseSend, func() error { _, err := stream.Recv(); return err }, 100)
	wantQuotaRefusal(t, "the sweep", err, 1000)
	if answered != 20 {
		t.Fatalf("the sweep got %d chunks of 1,000 coded, want 20 (the burst)", answered)
	}
	for _, domain := range []string{"hmac", "oprf"} {
		_, err := coding.Code(ctx, &ttpv1.CodeRequest{Domain: domain, Fields: []string{"bsn"}, Records: bsnChunk(200_000, 10)})
		wantQuotaRefusal(t, "Code into "+domain, err, 10)
	}
	// Another broker has its own bucket.
	if _, err := ttpv1.NewCodingServiceClient(s.Dial(t, "prober")).Code(ctx, &ttpv1.CodeRequest{Domain: "hmac", Fields: []string{"bsn"}, Records: bsnChunk(0, 1000)}); err != nil {
		t.Fatalf("another broker: %v", err)
	}
	wantRefusalMetric(t, s, "sweeper", "quota")
	wantRefusalAudited(t, s, "sweeper", "CodeStream", "refused: quota")
}

// TestQuotaStopsObliviousSweep: the same sweep through the oblivious path,
// which had a quota only when configured, is cut off at the burst; and the
// plaintext path into the same domain, which makes the same pseudonyms,
// takes from the same bucket.
func TestQuotaStopsObliviousSweep(t *testing.T) {
	s := quotaFixture(t, 4096)
	ctx := context.Background()
	cc := s.Dial(t, "prober")
	oc, err := client.NewObliviousClientFor(ctx, cc, "oprf", 0)
	if err != nil {
		t.Fatal(err)
	}
	inputs := make([][]byte, 512)
	for i := range inputs {
		inputs[i] = []byte(fmt.Sprintf("%09d", i))
	}
	blinded, _, err := oc.Blind(inputs, keys.OPRFInfo("oprf", "bsn"))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := ttpv1.NewObliviousServiceClient(cc).EvaluateStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	answered, err := sweep(func(int) error {
		return stream.Send(&ttpv1.EvaluateStreamRequest{Domain: "oprf", Field: "bsn", BlindedElements: blinded})
	}, stream.CloseSend, func() error { _, err := stream.Recv(); return err }, 20)
	wantQuotaRefusal(t, "the oblivious sweep", err, 512)
	if answered != 8 {
		t.Fatalf("the oblivious sweep got %d messages of 512 evaluated, want 8 (the burst)", answered)
	}
	_, err = ttpv1.NewObliviousServiceClient(cc).Evaluate(ctx, &ttpv1.EvaluateRequest{Domain: "oprf", Field: "bsn", BlindedElements: blinded[:1]})
	wantQuotaRefusal(t, "Evaluate", err, 1)
	_, err = ttpv1.NewCodingServiceClient(cc).Code(ctx, &ttpv1.CodeRequest{Domain: "oprf", Fields: []string{"bsn"}, Records: bsnChunk(0, 1)})
	wantQuotaRefusal(t, "plaintext Code into the OPRF domain after the oblivious sweep", err, 1)
	wantRefusalAudited(t, s, "prober", "EvaluateStream", "refused: quota")
}

// TestQuotaStopsIndexGrowth: one broker grew the person index by 500,000
// records in 14 s. Registration has its own quota, in records.
func TestQuotaStopsIndexGrowth(t *testing.T) {
	s := quotaFixture(t, 2000)
	ctx := context.Background()
	stream, err := ttpv1.NewLinkageServiceClient(s.Dial(t, "sweeper")).RegisterStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	answered, err := sweep(func(i int) error {
		recs := bsnChunk(i*500, 500)
		for j, r := range recs {
			r.Values = []string{"06000001", fmt.Sprint(i*500 + j), r.Values[0]}
		}
		return stream.Send(&ttpv1.RegisterStreamRequest{Domain: "hmac", Fields: []string{"agb", "patient_number", "bsn"}, Records: recs})
	}, stream.CloseSend, func() error { _, err := stream.Recv(); return err }, 10)
	wantQuotaRefusal(t, "registration", err, 500)
	if answered != 4 {
		t.Fatalf("%d chunks of 500 registered against a quota of 2,000, want 4", answered)
	}
	wantRefusalAudited(t, s, "sweeper", "RegisterStream", "refused: quota")
}

func scrape(t *testing.T, s *servertest.Server) string {
	t.Helper()
	resp, err := http.Get("http://" + s.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// wantRefusalMetric checks the metrics count principal's refusals for
// reason.
func wantRefusalMetric(t *testing.T, s *servertest.Server, principal, reason string) {
	t.Helper()
	body := scrape(t, s)
	want := fmt.Sprintf(`principal=%q,reason=%q}`, principal, reason)
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "ttp_refused_calls_total{") && strings.Contains(line, want) && !strings.HasSuffix(line, " 0") {
			return
		}
	}
	t.Fatalf("no ttp_refused_calls_total with %s in the metrics", want)
}

// refusalRecords are the audit records of refused calls, after the server
// has written what it counts.
func refusalRecords(t *testing.T, s *servertest.Server) []audit.Record {
	t.Helper()
	ctx := context.Background()
	if err := s.FlushRefusals(ctx); err != nil {
		t.Fatal(err)
	}
	var out []audit.Record
	if err := audit.Each(ctx, s.Store(), func(rec audit.Record, _ []byte) error {
		if strings.HasPrefix(rec.Outcome, "refused") {
			out = append(out, rec)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// wantRefusalAudited checks that the audit log holds a refusal of
// principal's call of method with outcome.
func wantRefusalAudited(t *testing.T, s *servertest.Server, principal, method, outcome string) audit.Record {
	t.Helper()
	recs := refusalRecords(t, s)
	for _, rec := range recs {
		if rec.Principal == principal && rec.Action == method && rec.Outcome == outcome {
			return rec
		}
	}
	t.Fatalf("no audit record of %s's %s with outcome %q; refusals recorded: %+v", principal, method, outcome, recs)
	return audit.Record{}
}
