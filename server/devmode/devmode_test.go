package devmode_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ttpnl/ttp/checkpoint"
	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/devmode"
)

func readEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			t.Fatalf("%s: line %q is not KEY=VALUE", path, sc.Text())
		}
		env[k] = v
	}
	return env
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func parseCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("%s does not hold exactly one PEM certificate", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// snapshot reads every file under dir.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		files[path] = raw
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestBootstrap(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // does not exist yet
	res, err := devmode.Bootstrap(dir, "0.0.0.0:7443", "127.0.0.1:9090")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created {
		t.Fatal("Created = false in an empty directory")
	}
	cfg := res.Config
	if res.ConfigPath != filepath.Join(dir, devmode.ConfigFile) || mode(t, res.ConfigPath) != 0o600 {
		t.Fatalf("config at %s, mode %v", res.ConfigPath, mode(t, res.ConfigPath))
	}
	if cfg.Listen != "0.0.0.0:7443" || cfg.MetricsListen != "127.0.0.1:9090" || !cfg.Dev {
		t.Fatalf("config %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{cfg.StoreDir, cfg.KEKFile, cfg.AuditKeyFile, cfg.TLS.CAFile, cfg.TLS.CertFile, cfg.TLS.KeyFile} {
		if !filepath.IsAbs(p) || !strings.HasPrefix(p, dir+string(filepath.Separator)) {
			t.Errorf("path %q is not absolute inside the data directory", p)
		}
	}

	// The KEK is private and loads.
	if m := mode(t, cfg.KEKFile); m != 0o600 {
		t.Errorf("KEK mode %v, want 0600", m)
	}
	if _, err := keys.LoadKEKFile(cfg.KEKFile); err != nil {
		t.Errorf("KEK does not load: %v", err)
	}
	if m := mode(t, cfg.TLS.KeyFile); m != 0o600 {
		t.Errorf("server key mode %v, want 0600", m)
	}

	// The audit key is a file of its own, private; its verifier key is
	// published beside the CA, and is the signer's.
	if cfg.AuditKeyFile == cfg.KEKFile || mode(t, cfg.AuditKeyFile) != 0o600 {
		t.Errorf("audit key %s, mode %v; want a file of its own, 0600", cfg.AuditKeyFile, mode(t, cfg.AuditKeyFile))
	}
	auditKey, err := checkpoint.ReadKey(cfg.AuditKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	published, err := os.ReadFile(filepath.Join(filepath.Dir(cfg.TLS.CAFile), "audit.pub"))
	if err != nil || strings.TrimSpace(string(published)) != auditKey.Verifier || auditKey.Signer.Name() != devmode.AuditLogName {
		t.Errorf("published verifier key %q (%v), want %q, of log %s", published, err, auditKey.Verifier, devmode.AuditLogName)
	}

	// Principals: an operator, two brokers of two organisations, two
	// registries, a researcher and two committee members, each with that
	// role only.
	dirByName := cfg.Directory()
	wantRoles := map[string]authz.Role{
		devmode.OperatorName:   authz.Operator,
		devmode.BrokerName:     authz.Broker,
		devmode.Broker2Name:    authz.Broker,
		devmode.RegistryName:   authz.Registry,
		devmode.Registry2Name:  authz.Registry,
		devmode.ResearcherName: authz.Researcher,
		devmode.CommitteeName:  authz.Committee,
		devmode.Committee2Name: authz.Committee,
	}
	for name, role := range wantRoles {
		if p := dirByName[name]; len(p.Roles) != 1 || !p.Has(role) || p.Organisation == "" {
			t.Errorf("principal %s: %+v, want role %s only", name, p, role)
		}
	}
	if len(dirByName) != len(wantRoles) {
		t.Fatalf("principals %+v", cfg.Principals)
	}
	if dirByName[devmode.BrokerName].Organisation == dirByName[devmode.Broker2Name].Organisation {
		t.Errorf("the two brokers are of one organisation, %q", dirByName[devmode.BrokerName].Organisation)
	}
	if !slices.Equal(res.Issued, names(devmode.Principals())) {
		t.Errorf("Issued = %v on creation", res.Issued)
	}

	ca := parseCert(t, cfg.TLS.CAFile)
	if !ca.IsCA {
		t.Fatal("the CA certificate is not a CA")
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)

	srv := parseCert(t, cfg.TLS.CertFile)
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := srv.Verify(x509.VerifyOptions{Roots: roots, DNSName: host, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("server certificate for %s: %v", host, err)
		}
	}
	if _, err := srv.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("the server certificate is also a client certificate")
	}
	if _, err := srv.Verify(x509.VerifyOptions{Roots: roots, DNSName: "example.org", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
		t.Error("the server certificate is valid for example.org")
	}
	if _, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile); err != nil {
		t.Errorf("server key pair: %v", err)
	}

	if len(res.EnvFiles) != len(wantRoles) {
		t.Fatalf("env files %v", res.EnvFiles)
	}
	for name := range wantRoles {
		t.Run(name, func(t *testing.T) {
			envPath := res.EnvFiles[name]
			if envPath == "" {
				t.Fatal("no env file")
			}
			if m := mode(t, envPath); m != 0o600 {
				t.Errorf("env file mode %v, want 0600", m)
			}
			env := readEnv(t, envPath)
			keysSeen := slices.Sorted(func(yield func(string) bool) {
				for k := range env {
					if !yield(k) {
						return
					}
				}
			})
			if want := []string{"TTP_AUDIT_KEY", "TTP_CA", "TTP_CERT", "TTP_KEY", "TTP_SERVER"}; !slices.Equal(keysSeen, want) {
				t.Fatalf("env keys %v, want %v", keysSeen, want)
			}
			// The unspecified listen address becomes one a client can dial
			// and the server certificate names.
			if env["TTP_SERVER"] != "localhost:7443" {
				t.Errorf("TTP_SERVER = %q, want localhost:7443", env["TTP_SERVER"])
			}
			for _, k := range []string{"TTP_CA", "TTP_CERT", "TTP_KEY", "TTP_AUDIT_KEY"} {
				p := env[k]
				if !filepath.IsAbs(p) {
					t.Errorf("%s = %q is not absolute", k, p)
				}
				if _, err := os.Stat(p); err != nil {
					t.Errorf("%s: %v", k, err)
				}
			}
			if env["TTP_CA"] != cfg.TLS.CAFile {
				t.Errorf("TTP_CA = %q, want the server's CA %q", env["TTP_CA"], cfg.TLS.CAFile)
			}
			if m := mode(t, env["TTP_KEY"]); m != 0o600 {
				t.Errorf("client key mode %v, want 0600", m)
			}
			if _, err := tls.LoadX509KeyPair(env["TTP_CERT"], env["TTP_KEY"]); err != nil {
				t.Errorf("client key pair: %v", err)
			}
			cert := parseCert(t, env["TTP_CERT"])
			if cert.Subject.CommonName != name {
				t.Errorf("client certificate for %q", cert.Subject.CommonName)
			}
			if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
				t.Errorf("client certificate does not verify for client auth: %v", err)
			}
			if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
				t.Error("client certificate also verifies for server auth")
			}
		})
	}

	// A second start finds it all and changes nothing.
	before := snapshot(t, dir)
	again, err := devmode.Bootstrap(dir, "127.0.0.1:1", "")
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || len(again.Issued) > 0 {
		t.Errorf("second Bootstrap says Created %v, Issued %v", again.Created, again.Issued)
	}
	if !reflect.DeepEqual(again.Config, res.Config) || again.ConfigPath != res.ConfigPath || !reflect.DeepEqual(again.EnvFiles, res.EnvFiles) {
		t.Errorf("second Bootstrap returned\n%+v\nwant\n%+v", again, res)
	}
	after := snapshot(t, dir)
	if len(after) != len(before) {
		t.Errorf("%d files after the second Bootstrap, %d before", len(after), len(before))
	}
	for path, raw := range before {
		if !bytes.Equal(after[path], raw) {
			t.Errorf("%s changed", path)
		}
	}
}

func TestBootstrapRelativeDir(t *testing.T) {
	t.Chdir(t.TempDir())
	res, err := devmode.Bootstrap("data", "127.0.0.1:7000", "")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(res.ConfigPath) || !filepath.IsAbs(res.Config.KEKFile) {
		t.Fatalf("paths not absolute: %s, %s", res.ConfigPath, res.Config.KEKFile)
	}
	for _, p := range res.EnvFiles {
		if env := readEnv(t, p); !filepath.IsAbs(env["TTP_CERT"]) || env["TTP_SERVER"] != "localhost:7000" {
			t.Errorf("env %v", env)
		}
	}
}

// A KEK that exists (a store may be encrypted under it) is kept when the
// configuration has to be made again.
func TestBootstrapKeepsKEK(t *testing.T) {
	dir := t.TempDir()
	res, err := devmode.Bootstrap(dir, "127.0.0.1:7000", "")
	if err != nil {
		t.Fatal(err)
	}
	kek, err := os.ReadFile(res.Config.KEKFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(res.ConfigPath); err != nil {
		t.Fatal(err)
	}
	res2, err := devmode.Bootstrap(dir, "127.0.0.1:7000", "")
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Created {
		t.Error("Created = false after the configuration was removed")
	}
	if kek2, err := os.ReadFile(res2.Config.KEKFile); err != nil || !bytes.Equal(kek, kek2) {
		t.Fatalf("KEK replaced (%v)", err)
	}
}

// When the configuration has to be made again, the certificates and keys
// are issued again, and the new keys replace the old ones, mode 0600 even
// where an old key file had a looser mode.
func TestBootstrapAgainReplacesKeys(t *testing.T) {
	dir := t.TempDir()
	res, err := devmode.Bootstrap(dir, "127.0.0.1:7000", "")
	if err != nil {
		t.Fatal(err)
	}
	keyFiles := []string{res.Config.TLS.KeyFile}
	for _, p := range res.EnvFiles {
		keyFiles = append(keyFiles, readEnv(t, p)["TTP_KEY"])
	}
	before := snapshot(t, dir)
	if err := os.Chmod(keyFiles[0], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(res.ConfigPath); err != nil {
		t.Fatal(err)
	}
	if _, err := devmode.Bootstrap(dir, "127.0.0.1:7000", ""); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, dir)
	for _, k := range keyFiles {
		if bytes.Equal(before[k], after[k]) {
			t.Errorf("%s was not issued again", k)
		}
		if m := mode(t, k); m != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", k, m)
		}
	}
	if _, err := tls.LoadX509KeyPair(res.Config.TLS.CertFile, res.Config.TLS.KeyFile); err != nil {
		t.Errorf("the server certificate and key do not match: %v", err)
	}
}

func TestDialAddress(t *testing.T) {
	cases := []struct{ listen, want string }{
		{"0.0.0.0:7443", "localhost:7443"},
		{":7443", "localhost:7443"},
		{"[::]:7443", "localhost:7443"},
		{"127.0.0.1:7443", "localhost:7443"},
		{"[::1]:7443", "localhost:7443"},
		{"ttp.example.nl:7443", "ttp.example.nl:7443"},
		{"192.0.2.1:7443", "192.0.2.1:7443"},
	}
	for _, c := range cases {
		t.Run(c.listen, func(t *testing.T) {
			res, err := devmode.Bootstrap(t.TempDir(), c.listen, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := readEnv(t, res.EnvFiles[devmode.BrokerName])["TTP_SERVER"]; got != c.want {
				t.Fatalf("TTP_SERVER = %q, want %q", got, c.want)
			}
		})
	}
}

func names(ps []config.Principal) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestPublishAddress(t *testing.T) {
	dir := t.TempDir()
	if _, err := devmode.Bootstrap(dir, "127.0.0.1:7443", ""); err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(dir, "clients", devmode.BrokerName+".env")
	before := readEnv(t, env)
	if err := devmode.PublishAddress(dir, "[::]:7743"); err != nil {
		t.Fatal(err)
	}
	after := readEnv(t, env)
	if after["TTP_SERVER"] != "localhost:7743" {
		t.Errorf("TTP_SERVER=%s after publishing [::]:7743", after["TTP_SERVER"])
	}
	delete(before, "TTP_SERVER")
	delete(after, "TTP_SERVER")
	if !reflect.DeepEqual(before, after) {
		t.Errorf("other settings changed: %v, then %v", before, after)
	}
	if m := mode(t, env); m != 0o600 {
		t.Errorf("settings file mode %v after the rewrite, want 0600", m)
	}
}
