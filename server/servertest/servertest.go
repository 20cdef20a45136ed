// Package servertest sets up real ttpd servers for tests: a private CA,
// certificates for any principals, a KEK, a store, and a server listening on
// loopback TCP with mTLS. Nothing is mocked: a test talks to the server
// exactly as a hospital's client does.
//
// The store is Badger in the fixture's temporary directory, or, after
// UsePostgres (or UseBackend), a fresh database on pgtest's throwaway
// PostgreSQL; a test that runs on each backend loops over Backends. The
// configuration file follows, so a fixture can also run ttpd as a
// process. SnapshotStore copies a store, to run twice from one start.
package servertest

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/checkpoint"
	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/devmode"
)

// Fixture is a server's files: configuration, keys and certificates.
type Fixture struct {
	Dir        string
	ConfigPath string
	Config     *config.Config
	CA         *devmode.CA
	// AuditVerifierKey is the file of the audit key's verifier key, which
	// committee members check checkpoints with.
	AuditVerifierKey string
}

// AuditLogName is the name of a fixture's audit log and audit key.
const AuditLogName = "ttp-test-audit"

// Principal is a client the fixture issues a certificate for.
type Principal struct {
	Name  string
	Roles []authz.Role
}

// NewFixture writes everything a server needs into a temporary directory,
// with a certificate for every principal.
func NewFixture(t testing.TB, principals ...Principal) *Fixture {
	t.Helper()
	dir := t.TempDir()
	ca, err := devmode.NewCA("test CA")
	check(t, err)
	f := &Fixture{Dir: dir, CA: ca, ConfigPath: filepath.Join(dir, "ttpd.json"), AuditVerifierKey: filepath.Join(dir, "audit.pub")}
	check(t, os.MkdirAll(filepath.Join(dir, "clients"), 0o700))
	cfg := &config.Config{
		Listen:       "127.0.0.1:0",
		StoreDir:     filepath.Join(dir, "store"),
		KEKFile:      filepath.Join(dir, "kek"),
		AuditKeyFile: filepath.Join(dir, "audit.key"),
		TLS: config.TLS{
			CAFile:   filepath.Join(dir, "ca.pem"),
			CertFile: filepath.Join(dir, "server.pem"),
			KeyFile:  filepath.Join(dir, "server-key.pem"),
		},
	}
	check(t, keys.WriteNewKEKFile(cfg.KEKFile, rand.Reader))
	check(t, checkpoint.WriteKeyFiles(AuditLogName, cfg.AuditKeyFile, f.AuditVerifierKey))
	check(t, os.WriteFile(cfg.TLS.CAFile, ca.PEM, 0o644))
	srv, err := ca.IssueServer("ttpd", []string{"localhost", "127.0.0.1"})
	check(t, err)
	check(t, srv.WriteFiles(cfg.TLS.CertFile, cfg.TLS.KeyFile))
	for _, p := range principals {
		cfg.Principals = append(cfg.Principals, config.Principal{Name: p.Name, Organisation: "org of " + p.Name, Roles: p.Roles})
		issued, err := ca.IssueClient(p.Name)
		check(t, err)
		cert, key := f.clientFiles(p.Name)
		check(t, issued.WriteFiles(cert, key))
	}
	check(t, cfg.Write(f.ConfigPath))
	f.Config, err = config.Load(f.ConfigPath)
	check(t, err)
	return f
}

func (f *Fixture) clientFiles(name string) (cert, key string) {
	return filepath.Join(f.Dir, "clients", name+".pem"), filepath.Join(f.Dir, "clients", name+"-key.pem")
}

// Settings are a principal's connection settings for a server at addr.
func (f *Fixture) Settings(name, addr string) client.Settings {
	cert, key := f.clientFiles(name)
	return client.Settings{Server: addr, CA: f.Config.TLS.CAFile, Cert: cert, Key: key, AuditKey: f.AuditVerifierKey}
}

// Server is a running in-process server.
type Server struct {
	*server.Server
	Fixture *Fixture
}

// Start runs the fixture's server in this process until the test ends.
func (f *Fixture) Start(t testing.TB) *Server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s, err := server.New(f.Config, log)
	check(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return &Server{Server: s, Fixture: f}
}

// Dial connects as the named principal.
func (s *Server) Dial(t testing.TB, name string) *grpc.ClientConn {
	t.Helper()
	cc, err := client.Dial(s.Fixture.Settings(name, s.Addr()))
	check(t, err)
	t.Cleanup(func() { cc.Close() })
	return cc
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Metrics fetches what the metrics listener at addr serves (Prometheus
// text): an operator's view, for tests of what only operators may see.
func Metrics(t testing.TB, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	check(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	check(t, err)
	return string(b)
}

// FreeAddr is a loopback address with a port that was free a moment ago,
// for a server the test starts as a process (which cannot be handed a
// listener).
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(t, err)
	defer l.Close()
	return l.Addr().String()
}
