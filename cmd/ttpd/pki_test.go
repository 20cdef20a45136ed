package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ttpnl/ttp/checkpoint"
	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/config"
)

// pkiRun runs ttpd pki with args and returns what it printed.
func pkiRun(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := runPKI(args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func mustPKI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := pkiRun(t, args...)
	if err != nil {
		t.Fatalf("ttpd pki %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// csrFor makes a key and a certificate request for cn, as a principal
// does on its own machine; it returns the request's file and the key's.
func csrFor(t *testing.T, dir, cn string) (csrFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	csrFile, keyFile = filepath.Join(dir, cn+".csr"), filepath.Join(dir, cn+"-own-key.pem")
	write(t, csrFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), 0o644)
	write(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	return csrFile, keyFile
}

func write(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

// TestPKI runs a production CA with ttpd pki: a server certificate, a
// certificate for an operator (key made by the CA tool) and one for a
// broker from its own certificate request, a ttpd configured with them
// that both reach, and a renewal after which the old certificate, once
// revoked, is refused and the new one accepted.
func TestPKI(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca")
	out := mustPKI(t, "init", "-dir", ca, "-name", "TTP client CA", "-org", "TTP operations")
	if !strings.Contains(out, "keep it offline") {
		t.Errorf("init said %q", out)
	}
	if fi, err := os.Stat(filepath.Join(ca, "ca-key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key: %v, %v; want mode 0600", fi, err)
	}
	// A second init would destroy the CA: refused, the key unchanged.
	key, _ := os.ReadFile(filepath.Join(ca, "ca-key.pem"))
	if _, err := pkiRun(t, "init", "-dir", ca, "-name", "again", "-org", "x"); err == nil {
		t.Fatal("a second init succeeded")
	}
	if again, _ := os.ReadFile(filepath.Join(ca, "ca-key.pem")); !bytes.Equal(again, key) {
		t.Fatal("a second init replaced the CA key")
	}

	stem := func(name string) string { return filepath.Join(dir, name) }
	mustPKI(t, "server", "-dir", ca, "-hosts", "localhost,127.0.0.1", "-o", stem("server"))
	mustPKI(t, "issue", "-dir", ca, "-name", "ttp-ops", "-days", "30", "-o", stem("ttp-ops"))
	csr, brokerKey := csrFor(t, dir, "umcx-broker")
	out = mustPKI(t, "issue", "-dir", ca, "-name", "umcx-broker", "-csr", csr, "-o", stem("umcx-broker"))
	if _, err := os.Stat(stem("umcx-broker") + "-key.pem"); err == nil {
		t.Error("issue -csr wrote a key: the principal's key is its own")
	}
	if !regexp.MustCompile(`SHA-256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}`).MatchString(out) {
		t.Errorf("issue said %q; want the fingerprint", out)
	}

	// Refusals: a request for another principal's name (whoever sends it
	// would get that principal's certificate), a file that exists, a
	// request whose signature does not verify, a name a log would garble.
	other, _ := csrFor(t, dir, "ttp-ops")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"issue", "-dir", ca, "-name", "umcx-broker", "-csr", other, "-o", stem("x")}, `the request is for "ttp-ops", not for principal "umcx-broker"`},
		{[]string{"issue", "-dir", ca, "-name", "ttp-ops", "-o", stem("ttp-ops")}, "file exists"},
		{[]string{"issue", "-dir", ca, "-name", "bad name", "-o", stem("y")}, "letters, digits"},
		{[]string{"issue", "-dir", ca, "-o", stem("z")}, "-name PRINCIPAL is required"},
		{[]string{"renew", "-dir", ca, "-cert", filepath.Join(ca, "ca.pem"), "-name", "x"}, "not -name"},
	} {
		out, err := pkiRun(t, c.args...)
		if err == nil || !strings.Contains(err.Error()+out, c.want) {
			t.Errorf("ttpd pki %s: %v %s; want %q", strings.Join(c.args, " "), err, out, c.want)
		}
	}
	tampered, _ := os.ReadFile(csr)
	block, _ := pem.Decode(tampered)
	block.Bytes[len(block.Bytes)-3] ^= 1 // inside the signature
	write(t, stem("tampered.csr"), pem.EncodeToMemory(block), 0o644)
	if out, err := pkiRun(t, "issue", "-dir", ca, "-name", "umcx-broker", "-csr", stem("tampered.csr"), "-o", stem("t")); err == nil {
		t.Errorf("a request with a broken signature was signed: %s", out)
	}

	cfg := productionConfig(t, dir, filepath.Join(ca, "ca.pem"))
	addr, stop := serveConfig(t, cfg)
	operator := client.Settings{Server: addr, CA: filepath.Join(ca, "ca.pem"), Cert: stem("ttp-ops") + ".pem", Key: stem("ttp-ops") + "-key.pem"}
	broker := client.Settings{Server: addr, CA: operator.CA, Cert: stem("umcx-broker") + ".pem", Key: brokerKey}
	if code := listDomains(t, operator); code != codes.OK {
		t.Fatalf("the operator's certificate: %v", code)
	}
	if err := serving(broker); err != nil {
		t.Fatalf("the broker's certificate: %v", err)
	}

	// Renewal: a new certificate for the same principal; the old one is
	// revoked in the configuration, as renew says.
	out = mustPKI(t, "renew", "-dir", ca, "-cert", stem("ttp-ops")+".pem", "-o", stem("ttp-ops-2"))
	m := regexp.MustCompile(`"revoked_certificates": \["([0-9A-F:]+)"\]`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, `principal "ttp-ops"`) {
		t.Fatalf("renew said %q; want the principal and the old fingerprint to revoke", out)
	}
	cfg.RevokedCertificates = []string{m[1]}
	stop() // one server at a time on a Badger store
	addr, _ = serveConfig(t, cfg)
	operator.Server = addr
	if code := listDomains(t, operator); code != codes.Unauthenticated {
		t.Errorf("the revoked certificate: %v; want Unauthenticated", code)
	}
	renewed := operator
	renewed.Cert, renewed.Key = stem("ttp-ops-2")+".pem", stem("ttp-ops-2")+"-key.pem"
	if code := listDomains(t, renewed); code != codes.OK {
		t.Errorf("the renewed certificate: %v", code)
	}
}

// productionConfig is a configuration with the pki's files: ttp-ops an
// operator, umcx-broker a broker.
func productionConfig(t *testing.T, dir, caFile string) *config.Config {
	t.Helper()
	cfg := &config.Config{
		Listen:       "127.0.0.1:0",
		StoreDir:     filepath.Join(dir, "store"),
		KEKFile:      filepath.Join(dir, "kek"),
		AuditKeyFile: filepath.Join(dir, "audit.key"),
		TLS:          config.TLS{CAFile: caFile, CertFile: filepath.Join(dir, "server.pem"), KeyFile: filepath.Join(dir, "server-key.pem")},
		Principals: []config.Principal{
			{Name: "ttp-ops", Organisation: "TTP operations", Roles: []authz.Role{authz.Operator}},
			{Name: "umcx-broker", Organisation: "UMC X", Roles: []authz.Role{authz.Broker}},
		},
	}
	if err := keys.WriteNewKEKFile(cfg.KEKFile, rand.Reader); err != nil {
		t.Fatal(err)
	}
	if err := checkpoint.WriteKeyFiles("ttp-pki-test", cfg.AuditKeyFile, filepath.Join(dir, "audit.pub")); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// serveConfig runs a server on cfg until stop is called or the test ends.
func serveConfig(t *testing.T, cfg *config.Config) (addr string, stop func()) {
	t.Helper()
	s, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, time.Second) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return s.Addr(), stop
}

func listDomains(t *testing.T, s client.Settings) codes.Code {
	t.Helper()
	cc, err := client.Dial(s)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = ttpv1.NewAdminServiceClient(cc).ListDomains(ctx, &ttpv1.ListDomainsRequest{})
	return status.Code(err)
}
