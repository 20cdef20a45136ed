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

// The principals dev mode makes, and its domains.
const (
	OperatorName   = "operator"
	BrokerName     = "broker"
	Broker2Name    = "broker2"
	RegistryName   = "registry"
	Registry2Name  = "registry2"
	ResearcherName = "researcher"
	CommitteeName  = "committee"
	Committee2Name = "committee2"
	DemoDomain     = "demo"
)

// Principals are the principals dev mode makes, each with a client
// certificate and a settings file: TTP staff, two hospitals (so that
// linkage across institutions can be tried, and two servers on one store
// fed from two places), two registries, a researcher, and two members of
// the supervisory committee (four eyes), so that a linkage request can go
// its whole way.
func Principals() []config.Principal {
	return []config.Principal{
		{Name: OperatorName, Organisation: "TTP operations", Roles: []authz.Role{authz.Operator}},
		{Name: BrokerName, Organisation: "Demo hospital", Roles: []authz.Role{authz.Broker}},
		{Name: Broker2Name, Organisation: "Demo hospital 2", Roles: []authz.Role{authz.Broker}},
		{Name: RegistryName, Organisation: "Demo cancer registry", Roles: []authz.Role{authz.Registry}},
		{Name: Registry2Name, Organisation: "Demo heart registry", Roles: []authz.Role{authz.Registry}},
		{Name: ResearcherName, Organisation: "Demo university", Roles: []authz.Role{authz.Researcher}},
		{Name: CommitteeName, Organisation: "Supervisory committee", Roles: []authz.Role{authz.Committee}},
		{Name: Committee2Name, Organisation: "Supervisory committee", Roles: []authz.Role{authz.Committee}},
	}
}

// DemoBrokers are the principals that may code into the demo domain.
func DemoBrokers() []string { return []string{BrokerName, Broker2Name} }

// Domain is a domain dev mode makes.
type Domain struct {
	Name, Description string
	Brokers           []string
	Recipients        []string
}

// Domains are the domains dev mode makes: demo for coding, and one per
// registry, into which both hospitals link their records.
func Domains() []Domain {
	return []Domain{
		{Name: DemoDomain, Description: "dev mode demo domain", Brokers: DemoBrokers()},
		{Name: "nkr", Description: "dev mode cancer registry", Brokers: DemoBrokers(), Recipients: []string{RegistryName}},
		{Name: "nhr", Description: "dev mode heart registry", Brokers: DemoBrokers(), Recipients: []string{Registry2Name}},
	}
}

// RecipientKeyFiles are where dev mode keeps a recipient's key pair for
// sealed values: the researcher's, which ttpd registers.
func RecipientKeyFiles(dataDir, name string) (private, public string) {
	dir := filepath.Join(dataDir, "clients")
	return filepath.Join(dir, name+"-recipient.key"), filepath.Join(dir, name+"-recipient.pub")
}

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
