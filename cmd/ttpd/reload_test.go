package main

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
)

// TestReloadOnHangup: ttpd reads its configuration file again on SIGHUP.
// A certificate revoked in the file is refused from then on, on a
// connection opened before too, without a restart; a file that does not
// load leaves the server serving as it did, and the log says so; it stops
// cleanly after.
func TestReloadOnHangup(t *testing.T) {
	bin := buildTTPD(t)
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}})
	f.Config.Listen = freeAddr(t)
	if err := f.Config.Write(f.ConfigPath); err != nil {
		t.Fatal(err)
	}
	proc := startFixture(t, bin, f)
	hospital, operator := dial(t, f, "hospital"), dial(t, f, "operator")
	if err := healthCheck(hospital); err != nil {
		t.Fatalf("hospital before its certificate is revoked: %v", err)
	}

	f.Config.RevokedCertificates = []string{servertest.Fingerprint(t, f.Settings("hospital", "").Cert)}
	if err := f.Config.Write(f.ConfigPath); err != nil {
		t.Fatal(err)
	}
	hangUp(t, proc)
	waitUntil(t, "the revoked certificate is refused", func() bool { return status.Code(healthCheck(hospital)) == codes.Unauthenticated })
	if err := healthCheck(operator); err != nil {
		t.Fatalf("operator after the reload: %v", err)
	}

	if err := os.WriteFile(f.ConfigPath, []byte(`{"listen": `), 0o600); err != nil {
		t.Fatal(err)
	}
	hangUp(t, proc)
	waitUntil(t, "the log says the configuration was not reloaded", func() bool {
		return strings.Contains(proc.out.String(), "configuration not reloaded")
	})
	if err := healthCheck(hospital); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("the revoked certificate after a file that does not load: %v, want Unauthenticated still", err)
	}
	if err := healthCheck(operator); err != nil {
		t.Fatalf("operator after a file that does not load: %v", err)
	}
	proc.stop(t)
}

func healthCheck(cc *grpc.ClientConn) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := grpc_health_v1.NewHealthClient(cc).Check(ctx, &grpc_health_v1.HealthCheckRequest{})
	return err
}

func hangUp(t *testing.T, p *ttpdProcess) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
}

// waitUntil waits up to 10 s for cond.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: not %s", what)
		}
	}
}
