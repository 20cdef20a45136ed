// Package client is the Go client of ttpd: connection settings, an mTLS
// connection, and the file coding pipeline behind `ttp code`.
package client

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Settings say where the server is and which certificates to use. They come
// from flags, from TTP_* environment variables, or from an env file that
// ttpd's dev mode writes for each client.
type Settings struct {
	Server string // host:port
	CA     string // PEM file of the CA that issued the server certificate
	Cert   string // PEM file of the client certificate
	Key    string // PEM file of the client key
	// AuditKey is a file holding the verifier key of the TTP's audit log,
	// which ttp audit checks checkpoints with; other commands ignore it.
	AuditKey string
}

// The environment variables, as in an env file.
const (
	EnvServer = "TTP_SERVER"
	EnvCA     = "TTP_CA"
	EnvCert   = "TTP_CERT"
	EnvKey    = "TTP_KEY"
	// EnvAuditKey names the audit log's verifier key file.
	EnvAuditKey = "TTP_AUDIT_KEY"
	// EnvFile names an env file to read when the variables above are unset.
	EnvFile = "TTP_ENV"
)

// FromVars fills the unset settings from variables looked up by get.
func (s *Settings) FromVars(get func(string) string) {
	fill := func(dst *string, name string) {
		if *dst == "" {
			*dst = get(name)
		}
	}
	fill(&s.Server, EnvServer)
	fill(&s.CA, EnvCA)
	fill(&s.Cert, EnvCert)
	fill(&s.Key, EnvKey)
	fill(&s.AuditKey, EnvAuditKey)
}

// FromEnvFile fills the unset settings from a file of NAME=value lines
// (blank lines and # comments allowed, an optional "export " prefix).
func (s *Settings) FromEnvFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			return fmt.Errorf("%s:%d: want NAME=value", path, n)
		}
		vars[strings.TrimSpace(name)] = strings.Trim(strings.TrimSpace(value), `"'`)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	s.FromVars(func(k string) string { return vars[k] })
	return nil
}

// Check reports every missing setting at once.
func (s Settings) Check() error {
	var errs []error
	for _, c := range []struct{ v, flag, env string }{
		{s.Server, "-server", EnvServer}, {s.CA, "-ca", EnvCA}, {s.Cert, "-cert", EnvCert}, {s.Key, "-key", EnvKey},
	} {
		if c.v == "" {
			errs = append(errs, fmt.Errorf("no %s: give %s or set %s (or point -env/%s at a settings file)", c.flag[1:], c.flag, c.env, EnvFile))
		}
	}
	return errors.Join(errs...)
}
