package server_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/server"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
)

// issueAgain has the fixture's CA issue one more certificate for a
// principal that already has one: what a CA does on renewal, and what an
// attacker gets from a CA that is careless or compromised.
func issueAgain(t *testing.T, f *servertest.Fixture, name, stem string) client.Settings {
	t.Helper()
	issued, err := f.CA.IssueClient(name)
	if err != nil {
		t.Fatal(err)
	}
	cert, key := filepath.Join(f.Dir, stem+".pem"), filepath.Join(f.Dir, stem+"-key.pem")
	if err := issued.WriteFiles(cert, key); err != nil {
		t.Fatal(err)
	}
	return client.Settings{CA: f.Config.TLS.CAFile, Cert: cert, Key: key}
}

// healthAs calls the health check (open to every role) with settings s.
func healthAs(t *testing.T, s client.Settings) error {
	t.Helper()
	cc, err := client.Dial(s)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	_, err = grpc_health_v1.NewHealthClient(cc).Check(context.Background(), &grpc_health_v1.HealthCheckRequest{})
	return err
}

// TestPinnedAndRevokedCertificates: a principal is its certificate's Common
// Name, so before pinning any certificate the CA issued with that name was
// the principal, and no single certificate could be withdrawn. Over real
// mTLS: a principal pinned to one certificate's fingerprint refuses another
// certificate with its name (PermissionDenied); a revoked certificate is
// refused (Unauthenticated) although its principal is configured and its
// chain verifies; the pinned certificate and the other principals still
// work.
func TestPinnedAndRevokedCertificates(t *testing.T) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}})
	pinnedCert := f.Settings("hospital", "").Cert
	f.Config.Principals[0].PinnedCertificates = []string{servertest.Fingerprint(t, pinnedCert)}
	otherHospital := issueAgain(t, f, "hospital", "hospital-second")
	registryLost := issueAgain(t, f, "registry", "registry-lost")
	f.Config.RevokedCertificates = []string{strings.ToLower(strings.ReplaceAll(servertest.Fingerprint(t, registryLost.Cert), ":", ""))}
	s := f.Start(t)
	otherHospital.Server, registryLost.Server = s.Addr(), s.Addr()

	if err := healthAs(t, f.Settings("hospital", s.Addr())); err != nil {
		t.Fatalf("the pinned certificate: %v", err)
	}
	if err := healthAs(t, f.Settings("registry", s.Addr())); err != nil {
		t.Fatalf("registry's own certificate: %v", err)
	}
	err := healthAs(t, otherHospital)
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "not pinned") {
		t.Fatalf("a second certificate for pinned principal hospital: %v, want PermissionDenied", err)
	}
	err = healthAs(t, registryLost)
	if status.Code(err) != codes.Unauthenticated || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("a revoked certificate: %v, want Unauthenticated", err)
	}
}

// TestBadFingerprintsRefused: a fingerprint that is not 32 bytes of hex is
// a configuration error, reported at start-up, not a pin that never
// matches.
func TestBadFingerprintsRefused(t *testing.T) {
	f := servertest.NewFixture(t, servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}})
	f.Config.Principals[0].PinnedCertificates = []string{"AB:CD"}
	f.Config.RevokedCertificates = []string{"zz"}
	err := f.Config.Validate()
	if err == nil || !strings.Contains(err.Error(), "principals[0] (hospital): pinned_certificates[0]") || !strings.Contains(err.Error(), "revoked_certificates[0]") {
		t.Fatalf("Validate: %v", err)
	}
}

// TestNewRefusesLaxTLSKey: the server's TLS private key, like the KEK, is
// refused when other accounts may read or write it.
func TestNewRefusesLaxTLSKey(t *testing.T) {
	f := servertest.NewFixture(t)
	if err := os.Chmod(f.Config.TLS.KeyFile, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err := server.New(f.Config, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "chmod 0600") {
		t.Fatalf("server.New with a group-readable TLS key: %v, want a refusal", err)
	}
}
