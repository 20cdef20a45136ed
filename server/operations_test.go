package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/client"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
)

// get fetches http://addr/path and returns the status code and the body.
func get(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// serve runs a server on f's configuration, logging into log, until stop
// is called (or the test ends); stop returns once Serve has returned.
func serve(t *testing.T, f *servertest.Fixture, log *slog.Logger) (s *server.Server, stop func()) {
	t.Helper()
	s, err := server.New(f.Config, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, 10*time.Second) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return s, stop
}

// TestHealthEndpoints: /healthz says the process runs, /readyz that it
// takes calls, over plain HTTP on the metrics listener, so that a load
// balancer or an orchestrator needs no client certificate. While the
// server drains (SIGTERM, calls still running) it is alive but not ready,
// so that no new calls are sent to it.
func TestHealthEndpoints(t *testing.T) {
	f := servertest.NewFixture(t, servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}})
	f.Config.MetricsListen = "127.0.0.1:0"
	s, stop := serve(t, f, slog.New(slog.NewTextHandler(io.Discard, nil)))
	addr := s.MetricsAddr()

	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, addr, path); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
			t.Errorf("GET %s: %d %q; want 200 ok", path, code, body)
		}
	}
	if code, _ := get(t, addr, "/readyz/more"); code != http.StatusNotFound {
		t.Errorf("GET /readyz/more: %d; want 404", code)
	}

	// A stream that stays open keeps the server draining.
	cc := dialAs(t, f, s, "hospital")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := ttpv1.NewCodingServiceClient(cc).CodeStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = stream                         // its handler waits for the first chunk, which never comes
	time.Sleep(100 * time.Millisecond) // for the call to reach the server
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()

	deadline := time.Now().Add(5 * time.Second)
	for {
		code, body := get(t, addr, "/readyz")
		if code == http.StatusServiceUnavailable {
			if !strings.Contains(body, "stopping") {
				t.Errorf("/readyz while draining: %q; want it to say the server is stopping", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d %q 5 s after the server began to stop", code, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, _ := get(t, addr, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while draining: %d; want 200 (alive)", code)
	}
	cancel()
	<-stopped
}

// TestRefusedCallIsLogged: every refused call (no role for the method, a
// principal that is not configured) leaves a log line with the principal,
// the method and the code, so that an operator sees who probes what; the
// line carries no request data.
func TestRefusedCallIsLogged(t *testing.T) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "stranger", Roles: []authz.Role{authz.Broker}})
	f.Config.Principals = f.Config.Principals[:1] // the CA issued stranger's certificate; the configuration does not know it
	var logs syncBuffer
	s, _ := serve(t, f, slog.New(slog.NewJSONHandler(&logs, nil)))

	hospital := ttpv1.NewAdminServiceClient(dialAs(t, f, s, "hospital"))
	if _, err := hospital.ListDomains(context.Background(), &ttpv1.ListDomainsRequest{}); err == nil {
		t.Fatal("a broker listed the domains")
	}
	stranger := ttpv1.NewCodingServiceClient(dialAs(t, f, s, "stranger"))
	if _, err := stranger.Code(context.Background(), &ttpv1.CodeRequest{Domain: "nkr", Fields: []string{"bsn"}, Records: []*ttpv1.Record{{RowKey: "1", Values: []string{"111222333"}}}}); err == nil {
		t.Fatal("an unconfigured principal coded")
	}

	want := []map[string]string{
		{"principal": "hospital", "method": ttpv1.AdminService_ListDomains_FullMethodName, "code": "PermissionDenied"},
		{"principal": "stranger", "method": ttpv1.CodingService_Code_FullMethodName, "code": "PermissionDenied"},
	}
	var refused []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if entry["msg"] == "refused call" {
			refused = append(refused, entry)
		}
	}
	if len(refused) != len(want) {
		t.Fatalf("%d refused-call lines; want %d:\n%s", len(refused), len(want), logs.String())
	}
	for i, w := range want {
		for k, v := range w {
			if refused[i][k] != v {
				t.Errorf("refused call %d: %s=%v; want %s", i+1, k, refused[i][k], v)
			}
		}
		if refused[i]["level"] != "WARN" {
			t.Errorf("refused call %d at level %v; want WARN", i+1, refused[i]["level"])
		}
	}
	if strings.Contains(logs.String(), "111222333") {
		t.Error("a log line holds the BSN that was sent")
	}
}

// TestIndexMetrics: operators see the person index's size and the length
// of the review queue in the metrics, and the queue shrinks when an item is
// resolved.
func TestIndexMetrics(t *testing.T) {
	s, admin, hospital, hospital2 := twoHospitals(t, nil)
	mustRegister(t, hospital, "nkr", linkFields,
		rec("1", "06000001", "A0001", "111222333", "van der Berg", "Jan", "1956-03-14", "M", "1234 AB", "12"))
	// The same BSN with another family name and birth date: review.
	mustRegister(t, hospital2, "nkr", linkFields,
		rec("1", "06000002", "F-1", "111222333", "Jansen", "Jan", "1960-07-01", "M", "1234 AB", "12"))
	waitMetric(t, s.MetricsAddr(), "ttp_review_queue_length", 1)
	waitMetric(t, s.MetricsAddr(), "ttp_index_records", 2)
	waitMetric(t, s.MetricsAddr(), "ttp_index_persons", 2)

	list, err := admin.ListReviewItems(context.Background(), &ttpv1.ListReviewItemsRequest{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("review items %v, %v; want one", list, err)
	}
	if _, err := admin.ResolveReviewItem(context.Background(), &ttpv1.ResolveReviewItemRequest{Id: list.Items[0].Id, Match: false}); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, s.MetricsAddr(), "ttp_review_queue_length", 0)
}

// waitMetric waits (the gauges are read from the store at most every few
// seconds) until the metric has the value.
func waitMetric(t *testing.T, addr, name string, want float64) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, found := metricValue(servertest.Metrics(t, addr), name)
		if found && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v (found: %v); want %v", name, got, found, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func metricValue(body, name string) (float64, bool) {
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

func dialAs(t *testing.T, f *servertest.Fixture, s *server.Server, name string) *grpc.ClientConn {
	t.Helper()
	cc, err := client.Dial(f.Settings(name, s.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

// syncBuffer is a bytes.Buffer that the server's goroutines and the test
// may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
