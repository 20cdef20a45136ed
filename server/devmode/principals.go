package devmode

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/config"
)

// The principals dev mode makes, and the domain its brokers may code into.
const (
	OperatorName  = "operator"
	BrokerName    = "broker"
	Broker2Name   = "broker2"
	CommitteeName = "committee"
	DemoDomain    = "demo"
)

// Principals are the principals dev mode makes, each with a client
// certificate and a settings file: TTP staff, two hospitals (so that
// linkage across institutions can be tried, and two servers on one store
// fed from two places), and the supervisory committee.
func Principals() []config.Principal {
	return []config.Principal{
		{Name: OperatorName, Organisation: "TTP operations", Roles: []authz.Role{authz.Operator}},
		{Name: BrokerName, Organisation: "Demo hospital", Roles: []authz.Role{authz.Broker}},
		{Name: Broker2Name, Organisation: "Demo hospital 2", Roles: []authz.Role{authz.Broker}},
		{Name: CommitteeName, Organisation: "Supervisory committee", Roles: []authz.Role{authz.Committee}},
	}
}

// DemoBrokers are the principals that may code into the demo domain.
func DemoBrokers() []string { return []string{BrokerName, Broker2Name} }

// clientFiles are where a principal's certificate, key and settings are.
type clientFiles struct{ cert, key, env string }

func clientFilesOf(dataDir, name string) clientFiles {
	dir := filepath.Join(dataDir, "clients")
	return clientFiles{
		cert: filepath.Join(dir, name+".pem"),
		key:  filepath.Join(dir, name+"-key.pem"),
		env:  filepath.Join(dir, name+".env"),
	}
}

// missing reports whether any of the files is absent.
func (c clientFiles) missing() (bool, error) {
	for _, p := range []string{c.cert, c.key, c.env} {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return true, nil
		} else if err != nil {
			return false, err
		}
	}
	return false, nil
}

// addPrincipals issues a certificate, a key and a settings file for every
// dev principal that cfg does not list or whose files are gone, and lists
// it in cfg. ca is called, once, only when one is needed. It returns the
// names it issued for.
func addPrincipals(cfg *config.Config, dataDir string, ca func() (*CA, error)) ([]string, error) {
	var issued []string
	var issuer *CA
	for _, p := range Principals() {
		files := clientFilesOf(dataDir, p.Name)
		listed := slices.ContainsFunc(cfg.Principals, func(q config.Principal) bool { return q.Name == p.Name })
		gone, err := files.missing()
		if err != nil {
			return nil, err
		}
		if listed && !gone {
			continue
		}
		if issuer == nil {
			if issuer, err = ca(); err != nil {
				return nil, err
			}
		}
		if err := writeClient(issuer, p.Name, dialAddress(cfg.Listen), cfg.TLS.CAFile, files); err != nil {
			return nil, err
		}
		if !listed {
			cfg.Principals = append(cfg.Principals, p)
		}
		issued = append(issued, p.Name)
	}
	return issued, nil
}

func writeClient(ca *CA, name, server, caFile string, files clientFiles) error {
	issued, err := ca.IssueClient(name)
	if err != nil {
		return err
	}
	if err := issued.WriteFiles(files.cert, files.key); err != nil {
		return err
	}
	_, auditKey := auditKeyFiles(filepath.Dir(filepath.Dir(files.env)))
	env := fmt.Sprintf("TTP_SERVER=%s\nTTP_CA=%s\nTTP_CERT=%s\nTTP_KEY=%s\nTTP_AUDIT_KEY=%s\n", server, caFile, files.cert, files.key, auditKey)
	return os.WriteFile(files.env, []byte(env), 0o600)
}
