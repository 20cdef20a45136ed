// Package devmode sets up a data directory from nothing, so that the first
// run of ttpd needs no configuration and still speaks mTLS: a KEK, an audit
// key (its verifier key published in pki/audit.pub), a private CA, a server
// certificate, client certificates for the dev principals (an
// operator, two brokers, the committee), a configuration file, and for each
// client a file of TTP_* settings that the ttp command reads. A later start
// finds the configuration and reuses it all; a principal that dev mode makes
// now but did not when the directory was made gets its certificate then.
//
// Servers that share a data directory (several ttpd on one PostgreSQL
// store) should start one at a time: the first makes what is missing.
package devmode

import (
	"crypto/rand"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"

	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server/config"
)

// ConfigFile is the configuration's name inside the data directory.
const ConfigFile = "ttpd.json"

// Result tells what Bootstrap found or made.
type Result struct {
	Config     *config.Config
	ConfigPath string
	Created    bool              // false when an earlier start had made the directory
	Issued     []string          // principals issued a certificate by this start
	EnvFiles   map[string]string // principal → path of its TTP_* settings file
	// RecipientKeys are the public key files of the dev recipients (the
	// researcher), for ttpd to register.
	RecipientKeys map[string]string
}

// Bootstrap loads dataDir's configuration, or creates everything dev mode
// needs there first, and issues what a dev principal lacks. listen is the
// gRPC address the server will use.
func Bootstrap(dataDir, listen, metricsListen string) (*Result, error) {
	dataDir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	res := &Result{ConfigPath: filepath.Join(dataDir, ConfigFile), EnvFiles: map[string]string{}}
	for _, p := range Principals() {
		res.EnvFiles[p.Name] = clientFilesOf(dataDir, p.Name).env
	}
	caKeyFile := filepath.Join(dataDir, "pki", "ca-key.pem")
	var cfg *config.Config
	var ca func() (*CA, error)
	if _, err := os.Stat(res.ConfigPath); err == nil {
		if err := addAuditKey(dataDir, res.ConfigPath); err != nil {
			return nil, err
		}
		if cfg, err = config.Load(res.ConfigPath); err != nil {
			return nil, err
		}
		ca = func() (*CA, error) { return openCA(cfg.TLS.CAFile, caKeyFile) }
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	} else {
		var made *CA
		if cfg, made, err = create(dataDir, listen, metricsListen, caKeyFile); err != nil {
			return nil, err
		}
		ca = func() (*CA, error) { return made, nil }
		res.Created = true
	}
	if res.Issued, err = addPrincipals(cfg, dataDir, ca); err != nil {
		return nil, err
	}
	if res.RecipientKeys, err = recipientKeys(dataDir); err != nil {
		return nil, err
	}
	addedReid, err := addReidKey(cfg, dataDir)
	if err != nil {
		return nil, err
	}
	if res.Created || len(res.Issued) > 0 || addedReid {
		// The configuration is written last: its presence, listing a
		// principal, means that principal's files are there.
		if err := cfg.Write(res.ConfigPath); err != nil {
			return nil, err
		}
	}
	res.Config, err = config.Load(res.ConfigPath)
	return res, err
}

// create makes a data directory's KEK (unless there is one), a new CA and
// the server's certificate, and returns the configuration, without
// principals yet.
func create(dataDir, listen, metricsListen, caKeyFile string) (*config.Config, *CA, error) {
	for _, d := range []string{dataDir, filepath.Join(dataDir, "pki"), filepath.Join(dataDir, "clients")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, nil, err
		}
	}
	// Keep a KEK that exists: a store may already be encrypted under it.
	kekPath := filepath.Join(dataDir, "kek")
	if _, err := os.Stat(kekPath); errors.Is(err, fs.ErrNotExist) {
		if err := keys.WriteNewKEKFile(kekPath, rand.Reader); err != nil {
			return nil, nil, err
		}
	}
	auditKey, err := ensureAuditKey(dataDir)
	if err != nil {
		return nil, nil, err
	}
	cfg := &config.Config{
		Listen:        listen,
		MetricsListen: metricsListen,
		StoreDir:      filepath.Join(dataDir, "store"),
		KEKFile:       kekPath,
		AuditKeyFile:  auditKey,
		TLS: config.TLS{
			CAFile:   filepath.Join(dataDir, "pki", "ca.pem"),
			CertFile: filepath.Join(dataDir, "pki", "server.pem"),
			KeyFile:  filepath.Join(dataDir, "pki", "server-key.pem"),
		},
		Dev: true,
	}
	// Without a configuration everything is issued anew, by a new CA: what
	// an earlier start left there is not trusted any more.
	ca, err := writeNewCA(cfg.TLS.CAFile, caKeyFile)
	if err != nil {
		return nil, nil, err
	}
	srv, err := ca.IssueServer("ttpd", []string{"localhost", "127.0.0.1", "::1"})
	if err != nil {
		return nil, nil, err
	}
	if err := srv.WriteFiles(cfg.TLS.CertFile, cfg.TLS.KeyFile); err != nil {
		return nil, nil, err
	}
	return cfg, ca, nil
}

// dialAddress turns a listen address into one a client can dial: an
// unspecified host becomes localhost, which the server certificate names.
func dialAddress(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && (ip.IsUnspecified() || ip.IsLoopback()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// recipientKeys makes the key pairs for sealed values of the researcher
// (deliveries) and the brokers (answers to re-identifications) unless they
// are there, and returns the public key files by principal.
func recipientKeys(dataDir string) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range []string{ResearcherName, BrokerName, Broker2Name} {
		priv, pub := RecipientKeyFiles(dataDir, name)
		out[name] = pub
		if _, err := os.Stat(pub); err == nil {
			continue
		}
		k, err := seal.GenerateKey(seal.MLKEM768X25519)
		if err != nil {
			return nil, err
		}
		if err := seal.WritePrivateKeyFile(priv, k); err != nil {
			return nil, err
		}
		if err := seal.WritePublicKeyFile(pub, k.Public()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// addReidKey gives a configuration without one a re-identification key of
// its own (reid.key, apart from the KEK) and lets the registries' domains
// use it; it reports whether it changed the configuration.
func addReidKey(cfg *config.Config, dataDir string) (bool, error) {
	if cfg.ReidKeyFile != "" {
		return false, nil
	}
	path := filepath.Join(dataDir, "reid.key")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := keys.WriteNewKEKFile(path, rand.Reader); err != nil {
			return false, err
		}
	} else if err != nil {
		return false, err
	}
	cfg.ReidKeyFile, cfg.ReidDomains = path, []string{"nkr", "nhr"}
	return true, nil
}
