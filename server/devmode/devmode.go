// Package devmode sets up a data directory from nothing, so that the first
// run of ttpd needs no configuration and still speaks mTLS: a KEK, a private
// CA, a server certificate, client certificates for an operator and a broker,
// a configuration file, and for each client a file of TTP_* settings that the
// ttp command reads. A second start finds the configuration and reuses it all.
package devmode

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"

	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/config"
)

// The principals dev mode makes, and the domain the broker may code into.
const (
	OperatorName = "operator"
	BrokerName   = "broker"
	DemoDomain   = "demo"
)

// ConfigFile is the configuration's name inside the data directory.
const ConfigFile = "ttpd.json"

// Result tells what Bootstrap found or made.
type Result struct {
	Config     *config.Config
	ConfigPath string
	Created    bool              // false when an earlier start had made it all
	EnvFiles   map[string]string // principal → path of its TTP_* settings file
}

// Bootstrap loads dataDir's configuration, or creates everything dev mode
// needs there first. listen is the gRPC address the server will use.
func Bootstrap(dataDir, listen, metricsListen string) (*Result, error) {
	dataDir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	res := &Result{ConfigPath: filepath.Join(dataDir, ConfigFile), EnvFiles: map[string]string{}}
	for _, p := range []string{OperatorName, BrokerName} {
		res.EnvFiles[p] = filepath.Join(dataDir, "clients", p+".env")
	}
	if _, err := os.Stat(res.ConfigPath); err == nil {
		res.Config, err = config.Load(res.ConfigPath)
		return res, err
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, d := range []string{dataDir, filepath.Join(dataDir, "pki"), filepath.Join(dataDir, "clients")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	// Keep a KEK that exists: a store may already be encrypted under it.
	kekPath := filepath.Join(dataDir, "kek")
	if _, err := os.Stat(kekPath); errors.Is(err, fs.ErrNotExist) {
		if err := keys.WriteNewKEKFile(kekPath, rand.Reader); err != nil {
			return nil, err
		}
	}
	cfg := &config.Config{
		Listen:        listen,
		MetricsListen: metricsListen,
		StoreDir:      filepath.Join(dataDir, "store"),
		KEKFile:       kekPath,
		TLS: config.TLS{
			CAFile:   filepath.Join(dataDir, "pki", "ca.pem"),
			CertFile: filepath.Join(dataDir, "pki", "server.pem"),
			KeyFile:  filepath.Join(dataDir, "pki", "server-key.pem"),
		},
		Principals: []config.Principal{
			{Name: OperatorName, Organisation: "TTP operations", Roles: []authz.Role{authz.Operator}},
			{Name: BrokerName, Organisation: "Demo hospital", Roles: []authz.Role{authz.Broker}},
		},
		Dev: true,
	}
	ca, err := NewCA("ttp dev CA")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(cfg.TLS.CAFile, ca.PEM, 0o644); err != nil {
		return nil, err
	}
	srv, err := ca.IssueServer("ttpd", []string{"localhost", "127.0.0.1", "::1"})
	if err != nil {
		return nil, err
	}
	if err := srv.WriteFiles(cfg.TLS.CertFile, cfg.TLS.KeyFile); err != nil {
		return nil, err
	}
	for _, p := range cfg.Principals {
		if err := writeClient(ca, dataDir, p.Name, dialAddress(listen), cfg.TLS.CAFile, res.EnvFiles[p.Name]); err != nil {
			return nil, err
		}
	}
	// The configuration is written last: its presence means the rest is there.
	if err := cfg.Write(res.ConfigPath); err != nil {
		return nil, err
	}
	res.Config, err = config.Load(res.ConfigPath)
	res.Created = true
	return res, err
}

func writeClient(ca *CA, dataDir, name, server, caFile, envFile string) error {
	issued, err := ca.IssueClient(name)
	if err != nil {
		return err
	}
	cert := filepath.Join(dataDir, "clients", name+".pem")
	key := filepath.Join(dataDir, "clients", name+"-key.pem")
	if err := issued.WriteFiles(cert, key); err != nil {
		return err
	}
	env := fmt.Sprintf("TTP_SERVER=%s\nTTP_CA=%s\nTTP_CERT=%s\nTTP_KEY=%s\n", server, caFile, cert, key)
	return os.WriteFile(envFile, []byte(env), 0o600)
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
