package devmode_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/health/grpc_health_v1"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/server"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/devmode"
)

// makeOldDataDir makes a data directory as dev mode made it before it had
// broker2, the registries, the researcher and the committee, and before it
// kept the CA's key: the configuration lists the operator and the broker
// only.
func makeOldDataDir(t *testing.T, dir, listen string) {
	t.Helper()
	res, err := devmode.Bootstrap(dir, listen, "")
	if err != nil {
		t.Fatal(err)
	}
	cfg := res.Config
	cfg.Principals = slices.DeleteFunc(cfg.Principals, func(p config.Principal) bool {
		return p.Name != devmode.OperatorName && p.Name != devmode.BrokerName
	})
	if len(cfg.Principals) != 2 {
		t.Fatalf("principals %+v", cfg.Principals)
	}
	if err := cfg.Write(res.ConfigPath); err != nil {
		t.Fatal(err)
	}
	for _, name := range names(devmode.Principals())[2:] {
		for _, f := range []string{name + ".pem", name + "-key.pem", name + ".env"} {
			if err := os.Remove(filepath.Join(dir, "clients", f)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Remove(filepath.Join(dir, "pki", "ca-key.pem")); err != nil {
		t.Fatal(err)
	}
}

// The next start of an old data directory issues the new principals'
// certificates, by a second CA that joins the first in ca.pem, and lists
// them; everything that was there stays as it was and stays trusted.
func TestBootstrapUpgradesOldDataDir(t *testing.T) {
	dir := t.TempDir()
	makeOldDataDir(t, dir, "127.0.0.1:7000")
	before := snapshot(t, dir)

	// Another -listen on this start: the new settings files name the
	// configured address, as the old ones do.
	res, err := devmode.Bootstrap(dir, "127.0.0.1:7999", "")
	if err != nil {
		t.Fatal(err)
	}
	// The old directory had the operator and the first broker.
	wantIssued := names(devmode.Principals())[2:]
	if res.Created || !slices.Equal(res.Issued, wantIssued) {
		t.Fatalf("Created %v, Issued %v; want false, %v", res.Created, res.Issued, wantIssued)
	}
	if got := res.Config.Directory(); len(got) != len(devmode.Principals()) || !reflect.DeepEqual(res.Config.Principals[:2], oldPrincipals(t, before[res.ConfigPath])) {
		t.Fatalf("principals %+v", res.Config.Principals)
	}
	after := snapshot(t, dir)
	caFile := res.Config.TLS.CAFile
	for path, raw := range before {
		switch path {
		case res.ConfigPath:
		case caFile:
			if !bytes.HasPrefix(after[path], raw) || len(after[path]) == len(raw) {
				t.Errorf("ca.pem does not keep the old CA and add a new one")
			}
		default:
			if !bytes.Equal(after[path], raw) {
				t.Errorf("%s changed", path)
			}
		}
	}
	if m := mode(t, filepath.Join(dir, "pki", "ca-key.pem")); m != 0o600 {
		t.Errorf("CA key mode %v, want 0600", m)
	}

	// One pool from ca.pem, as the server and the clients load it, trusts
	// the server's certificate and every client's, old and new.
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(after[caFile]) || bytes.Count(after[caFile], []byte("BEGIN CERTIFICATE")) != 2 {
		t.Fatal("ca.pem does not hold two certificates")
	}
	srv := parseCert(t, res.Config.TLS.CertFile)
	if _, err := srv.Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("server certificate: %v", err)
	}
	var issuers [][]byte
	for _, name := range []string{devmode.OperatorName, devmode.BrokerName, devmode.Broker2Name, devmode.CommitteeName} {
		env := readEnv(t, res.EnvFiles[name])
		if env["TTP_SERVER"] != "localhost:7000" || env["TTP_CA"] != caFile {
			t.Errorf("%s: settings %v", name, env)
		}
		cert := parseCert(t, env["TTP_CERT"])
		if cert.Subject.CommonName != name {
			t.Errorf("%s: certificate for %q", name, cert.Subject.CommonName)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: client certificate: %v", name, err)
		}
		issuers = append(issuers, cert.RawIssuer)
	}
	if !bytes.Equal(issuers[0], issuers[1]) || !bytes.Equal(issuers[2], issuers[3]) || bytes.Equal(issuers[1], issuers[2]) {
		t.Error("want the old clients issued by the old CA and the new ones by the new CA")
	}

	// A third start has nothing to do.
	again, err := devmode.Bootstrap(dir, "127.0.0.1:7000", "")
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || len(again.Issued) > 0 {
		t.Errorf("third start: Created %v, Issued %v", again.Created, again.Issued)
	}
	for path, raw := range snapshot(t, dir) {
		if !bytes.Equal(after[path], raw) {
			t.Errorf("%s changed on the third start", path)
		}
	}

	// A real server on the upgraded directory lets every principal in,
	// over mTLS, the old ones and the new.
	serveAll(t, res)
}

// oldPrincipals are the principals of a configuration file's old content.
func oldPrincipals(t *testing.T, raw []byte) []config.Principal {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "old.json")
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(tmp)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Principals
}

// A principal whose files are gone is issued again, by the CA whose key
// dev mode kept, and listed once.
func TestBootstrapReissuesMissingFiles(t *testing.T) {
	dir := t.TempDir()
	res, err := devmode.Bootstrap(dir, "127.0.0.1:7000", "")
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(res.Config.TLS.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := readEnv(t, res.EnvFiles[devmode.CommitteeName])["TTP_KEY"]
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	again, err := devmode.Bootstrap(dir, "127.0.0.1:7000", "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Issued, []string{devmode.CommitteeName}) || len(again.Config.Principals) != len(devmode.Principals()) {
		t.Fatalf("Issued %v, principals %+v", again.Issued, again.Config.Principals)
	}
	if raw, err := os.ReadFile(res.Config.TLS.CAFile); err != nil || !bytes.Equal(raw, caPEM) {
		t.Fatalf("ca.pem changed (%v): the kept CA key was not used", err)
	}
	block, _ := pem.Decode(caPEM)
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := parseCert(t, readEnv(t, again.EnvFiles[devmode.CommitteeName])["TTP_CERT"]).CheckSignatureFrom(ca); err != nil {
		t.Fatalf("the new committee certificate is not the CA's: %v", err)
	}
	if m := mode(t, keyFile); m != 0o600 {
		t.Errorf("key mode %v", m)
	}
}

// serveAll runs a server on a dev configuration and checks that every dev
// principal, with its settings file, gets through the TLS handshake and
// the health check.
func serveAll(t *testing.T, res *devmode.Result) {
	t.Helper()
	cfg := *res.Config
	cfg.Listen, cfg.MetricsListen = "127.0.0.1:0", ""
	srv, err := server.New(&cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, time.Second) }()
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	for _, p := range devmode.Principals() {
		s := client.Settings{Server: srv.Addr()}
		if err := s.FromEnvFile(res.EnvFiles[p.Name]); err != nil {
			t.Fatal(err)
		}
		cc, err := client.Dial(s)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := grpc_health_v1.NewHealthClient(cc).Check(ctx, &grpc_health_v1.HealthCheckRequest{})
		cancel()
		cc.Close()
		if err != nil || resp.Status != grpc_health_v1.HealthCheckResponse_SERVING {
			t.Errorf("%s: health check: %v %v", p.Name, resp, err)
		}
	}
}

// A data directory made before dev mode had an audit key gets one on its
// next start: the configuration names it, every settings file names its
// verifier key, and the server starts.
func TestBootstrapAddsAuditKey(t *testing.T) {
	dir := t.TempDir()
	res, err := devmode.Bootstrap(dir, "127.0.0.1:7000", "")
	if err != nil {
		t.Fatal(err)
	}
	// Make it old: no audit key, and settings files without it.
	raw, err := os.ReadFile(res.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	delete(fields, "audit_key_file")
	old, _ := json.Marshal(fields)
	if err := os.WriteFile(res.ConfigPath, old, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(res.ConfigPath); err == nil {
		t.Fatal("a configuration without audit_key_file loads")
	}
	for _, f := range []string{res.Config.AuditKeyFile, filepath.Join(dir, "pki", "audit.pub")} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	for _, env := range res.EnvFiles {
		raw, err := os.ReadFile(env)
		if err != nil {
			t.Fatal(err)
		}
		kept := regexp.MustCompile(`(?m)^TTP_AUDIT_KEY=.*\n`).ReplaceAll(raw, nil)
		if err := os.WriteFile(env, kept, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	again, err := devmode.Bootstrap(dir, "127.0.0.1:7000", "")
	if err != nil {
		t.Fatal(err)
	}
	if again.Config.AuditKeyFile != res.Config.AuditKeyFile || mode(t, again.Config.AuditKeyFile) != 0o600 {
		t.Fatalf("audit key %q, want %q, mode 0600", again.Config.AuditKeyFile, res.Config.AuditKeyFile)
	}
	for name, env := range again.EnvFiles {
		if got := readEnv(t, env)["TTP_AUDIT_KEY"]; got != filepath.Join(dir, "pki", "audit.pub") {
			t.Errorf("%s: TTP_AUDIT_KEY %q", name, got)
		}
	}
	serveAll(t, again)
}
