// Package config reads ttpd's configuration: one JSON file, validated at
// start-up. Secrets (the KEK, TLS private keys) are named by file path, never
// written in the file. Relative paths are taken relative to the file's folder.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/secretfile"
	"github.com/ttpnl/ttp/server/authz"
)

// Config is the whole server configuration.
type Config struct {
	// Listen is the gRPC address, e.g. "127.0.0.1:7443".
	Listen string `json:"listen"`
	// MetricsListen is the Prometheus /metrics address; empty disables it.
	MetricsListen string `json:"metrics_listen,omitempty"`
	// StoreDir is the Badger store's folder (the embedded default).
	StoreDir string `json:"store_dir,omitempty"`
	// StoreURL, when set, names a PostgreSQL database instead
	// ("postgres://..."), which several ttpd processes may share. Use
	// sslmode=verify-full, and a password file (passfile=), never a password
	// in the URL.
	StoreURL string `json:"store_url,omitempty"`
	// KEKFile holds the key-encryption key (64 hex characters, mode 0600).
	KEKFile string `json:"kek_file"`
	// AuditKeyFile holds the key that signs the audit log's checkpoints
	// (a signed-note signer key, mode 0600), kept apart from the KEK: the
	// committee verifies checkpoints with its public half. Make one with
	// ttp audit keygen.
	AuditKeyFile string `json:"audit_key_file"`
	// TLS names the server's certificate and the CA that issues client
	// certificates.
	TLS TLS `json:"tls"`
	// Principals maps client certificate names to organisations and roles.
	Principals []Principal `json:"principals"`
	// RevokedCertificates are SHA-256 fingerprints of client certificates
	// that are refused although their CA issued them: a lost laptop, a
	// broker who left.
	RevokedCertificates []string `json:"revoked_certificates,omitempty"`
	// Organisations may list, per organisation, the AGB codes its brokers
	// may register patient numbers under; an organisation not listed may
	// use any. Either way an organisation's records are its own (see
	// linkage.SourceOf).
	Organisations []Organisation `json:"organisations,omitempty"`
	// LinkageModelFile holds the person index's m/u probabilities and
	// thresholds (JSON, as ttpeval -estimate writes it); empty: the default.
	LinkageModelFile string `json:"linkage_model_file,omitempty"`
	// ReidKeyFile holds the source key (64 hex characters, mode 0600, apart
	// from the KEK): with it, registration keeps each record's source (AGB
	// code and patient number) sealed, so that a clerk reviewing a link
	// sees which hospitals to ask, and, in ReidDomains, a registry may ask,
	// with two committee approvals, for its patients to be reached through
	// the hospitals that sent them (package reid). Empty: neither.
	ReidKeyFile string `json:"reid_key_file,omitempty"`
	// ReidDomains are the domains whose policy allows re-identification
	// through the data holder.
	ReidDomains []string `json:"reid_domains,omitempty"`
	// RequestPolicyFile classifies the variables of linkage requests and so
	// decides what approval they need (package requests, JSON); empty: the
	// default policy, after the NKR assessment framework's table 2.
	RequestPolicyFile string `json:"request_policy_file,omitempty"`
	// Quotas limit what every principal may have pseudonymised and
	// registered (DefaultQuotas where absent); a principal's own Quotas
	// override them. See docs/threat-model.md.
	Quotas *Quotas `json:"quotas,omitempty"`
	// Limits bound what one principal may make the server hold at once
	// (DefaultLimits where absent).
	Limits *Limits `json:"limits,omitempty"`
	// Dev enables development conveniences (gRPC reflection). Never in
	// production.
	Dev bool `json:"dev,omitempty"`
}

// Quotas are the token buckets of one principal, one per kind of work.
// A kind left out takes the next level's: the principal's, the
// configuration's, DefaultQuotas.
type Quotas struct {
	// Pseudonyms counts values pseudonymised, in plaintext (Code,
	// CodeStream: every value sent, empty or not) and obliviously
	// (Evaluate, EvaluateStream: every blinded element). Both paths give
	// the same pseudonyms, so they take from one bucket.
	Pseudonyms *Quota `json:"pseudonyms,omitempty"`
	// Registrations counts records sent to the person index (Register,
	// RegisterStream).
	Registrations *Quota `json:"registrations,omitempty"`
}

// Quota is a token bucket: PerDay tokens a day, added continuously, at
// most Burst saved up; or Unlimited.
type Quota struct {
	PerDay    float64 `json:"per_day,omitempty"`
	Burst     float64 `json:"burst,omitempty"`
	Unlimited bool    `json:"unlimited,omitempty"`
}

// DefaultQuotas let a hospital's nightly export through (400,000 records
// of up to 12 identifying fields: 4.8M values; as many registrations) and
// stop a dictionary sweep: of the 10⁸ valid BSNs a broker gets 5% at once
// and 5% a day, which the metrics and the audit log show long before the
// sweep is complete. They do not protect birth dates or postcodes, whose
// spaces fit in one burst (docs/threat-model.md).
var DefaultQuotas = Quotas{
	Pseudonyms:    &Quota{PerDay: 5_000_000, Burst: 5_000_000},
	Registrations: &Quota{PerDay: 400_000, Burst: 400_000},
}

// Limits bound what one principal may make the server hold at once, so
// that a flood of calls from one certificate cannot take the server past its
// memory limit.
type Limits struct {
	// Calls is the number of calls (streams included) one principal may
	// have running at once; more are refused before their first message is
	// read.
	Calls int `json:"calls,omitempty"`
	// InFlightMiB is how many MiB of stream messages one principal may have
	// received and not yet answered; a stream waits for room before it
	// reads its next message.
	InFlightMiB int `json:"in_flight_mib,omitempty"`
}

// DefaultLimits: a ttp run uses one stream; eight runs of one broker at
// once, 64 MiB of messages in flight (the ttp client sends about 1 MiB a
// message).
var DefaultLimits = Limits{Calls: 8, InFlightMiB: 64}

// TLS names certificate files (PEM).
type TLS struct {
	CAFile   string `json:"ca_file"`
	CertFile string `json:"cert_file"`
	KeyFile  string `json:"key_file"`
}

// Principal is one client identity.
type Principal struct {
	Name         string       `json:"name"`
	Organisation string       `json:"organisation"`
	Roles        []authz.Role `json:"roles"`
	// PinnedCertificates, if set, are the SHA-256 fingerprints of the only
	// certificates that are this principal: another certificate with its
	// name, even from the CA, is refused. Hex, colons allowed, as
	// "openssl x509 -noout -fingerprint -sha256" prints them.
	PinnedCertificates []string `json:"pinned_certificates,omitempty"`
	// Quotas override the configuration's quotas for this principal.
	Quotas *Quotas `json:"quotas,omitempty"`
}

// Organisation is what the configuration says of one organisation.
type Organisation struct {
	Name string `json:"name"`
	// AGBCodes are the 8-digit AGB codes of the institutions the
	// organisation's brokers register for.
	AGBCodes []string `json:"agb_codes"`
}

// maxFileSize bounds what Load reads.
const maxFileSize = 1 << 20

// Load reads and validates the file at path. Like the KEK, the file must be
// accessible by its owner only: whoever may write it may add a principal
// with any role.
func Load(path string) (*Config, error) {
	raw, err := secretfile.Read(path, maxFileSize)
	if err != nil {
		return nil, err
	}
	if len(raw) > maxFileSize {
		return nil, fmt.Errorf("config %s: longer than %d bytes", path, maxFileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("config %s: unexpected data after the JSON object", path)
	}
	c.resolve(filepath.Dir(path))
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return &c, nil
}

// Write stores c at path (mode 0600), as Load reads it.
func (c *Config) Write(path string) error {
	raw, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o600)
}

func (c *Config) resolve(dir string) {
	for _, p := range []*string{&c.StoreDir, &c.KEKFile, &c.AuditKeyFile, &c.LinkageModelFile, &c.RequestPolicyFile, &c.ReidKeyFile, &c.TLS.CAFile, &c.TLS.CertFile, &c.TLS.KeyFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

// Validate checks that every required setting is there and every principal
// is well-formed.
func (c *Config) Validate() error {
	var errs []error
	need := func(v, name string) {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required", name))
		}
	}
	need(c.Listen, "listen")
	switch {
	case c.StoreURL == "":
		need(c.StoreDir, "store_dir")
	case !IsPostgresURL(c.StoreURL):
		errs = append(errs, errors.New("store_url: only postgres:// and postgresql:// URLs are supported"))
	}
	need(c.KEKFile, "kek_file")
	need(c.AuditKeyFile, "audit_key_file")
	need(c.TLS.CAFile, "tls.ca_file")
	need(c.TLS.CertFile, "tls.cert_file")
	need(c.TLS.KeyFile, "tls.key_file")
	errs = append(errs, c.Quotas.validate("quotas")...)
	if l := c.Limits; l != nil && (l.Calls < 0 || l.InFlightMiB < 0) {
		errs = append(errs, errors.New("limits: calls and in_flight_mib must not be negative"))
	}
	seen := map[string]bool{}
	for i, p := range c.Principals {
		if p.Name == "" {
			errs = append(errs, fmt.Errorf("principals[%d]: name is required", i))
		}
		if seen[p.Name] {
			errs = append(errs, fmt.Errorf("principals[%d]: %q is listed twice", i, p.Name))
		}
		seen[p.Name] = true
		if len(p.Roles) == 0 {
			errs = append(errs, fmt.Errorf("principals[%d] (%s): at least one role is required", i, p.Name))
		}
		for _, r := range p.Roles {
			if !isRole(r) {
				errs = append(errs, fmt.Errorf("principals[%d] (%s): unknown role %q (roles: %v)", i, p.Name, r, authz.AllRoles))
			}
		}
		if slices.Contains(p.Roles, authz.Broker) && p.Organisation == "" {
			errs = append(errs, fmt.Errorf("principals[%d] (%s): a broker needs an organisation: the records it registers belong to it", i, p.Name))
		}
		for k, fp := range p.PinnedCertificates {
			if _, err := authz.ParseFingerprint(fp); err != nil {
				errs = append(errs, fmt.Errorf("principals[%d] (%s): pinned_certificates[%d]: %w", i, p.Name, k, err))
			}
		}
		errs = append(errs, p.Quotas.validate(fmt.Sprintf("principals[%d] (%s): quotas", i, p.Name))...)
	}
	for k, fp := range c.RevokedCertificates {
		if _, err := authz.ParseFingerprint(fp); err != nil {
			errs = append(errs, fmt.Errorf("revoked_certificates[%d]: %w", k, err))
		}
	}
	return errors.Join(append(errs, c.validateOrganisations()...)...)
}

func (c *Config) validateOrganisations() []error {
	var errs []error
	seen := map[string]bool{}
	for i, o := range c.Organisations {
		switch {
		case o.Name == "":
			errs = append(errs, fmt.Errorf("organisations[%d]: name is required", i))
		case seen[o.Name]:
			errs = append(errs, fmt.Errorf("organisations[%d]: %q is listed twice", i, o.Name))
		case !slices.ContainsFunc(c.Principals, func(p Principal) bool { return p.Organisation == o.Name }):
			errs = append(errs, fmt.Errorf("organisations[%d]: no principal belongs to %q", i, o.Name))
		}
		seen[o.Name] = true
		if len(o.AGBCodes) == 0 {
			errs = append(errs, fmt.Errorf("organisations[%d] (%s): agb_codes is required (leave the organisation out to allow any)", i, o.Name))
		}
		for j, code := range o.AGBCodes {
			if canonical, problem := identity.ParseAGB(code); problem != nil || canonical != code {
				errs = append(errs, fmt.Errorf("organisations[%d] (%s): agb_codes[%d] is not an 8-digit AGB code", i, o.Name, j))
			}
		}
	}
	return errs
}

// AGBCodes returns the AGB codes organisation may register under, or nil
// when the configuration does not restrict it.
func (c *Config) AGBCodes(organisation string) []string {
	for _, o := range c.Organisations {
		if o.Name == organisation {
			return slices.Clone(o.AGBCodes)
		}
	}
	return nil
}

// IsPostgresURL reports whether u names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

func isRole(r authz.Role) bool {
	for _, known := range authz.AllRoles {
		if r == known {
			return true
		}
	}
	return false
}

// Directory returns the principals keyed by name, for the authorizer.
// Call it on a validated configuration: a fingerprint that does not parse
// is left out.
func (c *Config) Directory() authz.Directory {
	d := authz.Directory{}
	for _, p := range c.Principals {
		d[p.Name] = authz.Principal{Name: p.Name, Organisation: p.Organisation, Roles: p.Roles, Pinned: fingerprints(p.PinnedCertificates)}
	}
	return d
}

// Revoked returns the revoked certificates, for the authorizer.
func (c *Config) Revoked() authz.Fingerprints { return fingerprints(c.RevokedCertificates) }

func fingerprints(texts []string) authz.Fingerprints {
	if len(texts) == 0 {
		return nil
	}
	out := authz.Fingerprints{}
	for _, t := range texts {
		if fp, err := authz.ParseFingerprint(t); err == nil {
			out[fp] = true
		}
	}
	return out
}

func (qs *Quotas) validate(where string) []error {
	if qs == nil {
		return nil
	}
	var errs []error
	for _, k := range []struct {
		name string
		q    *Quota
	}{{"pseudonyms", qs.Pseudonyms}, {"registrations", qs.Registrations}} {
		name, q := k.name, k.q
		switch {
		case q == nil:
		case q.Unlimited && (q.PerDay != 0 || q.Burst != 0):
			errs = append(errs, fmt.Errorf("%s.%s: unlimited takes no per_day or burst", where, name))
		case !q.Unlimited && (q.PerDay <= 0 || q.Burst < 1):
			errs = append(errs, fmt.Errorf("%s.%s: per_day must be above 0 and burst at least 1 (or unlimited: true)", where, name))
		}
	}
	return errs
}

// QuotaOf is the quota of kind (pseudonyms or registrations, picked by get)
// that applies to principal: its own, else the configuration's, else the
// default.
func (c *Config) QuotaOf(principal string, get func(*Quotas) *Quota) Quota {
	for _, p := range c.Principals {
		if p.Name == principal && p.Quotas != nil && get(p.Quotas) != nil {
			return *get(p.Quotas)
		}
	}
	if c.Quotas != nil && get(c.Quotas) != nil {
		return *get(c.Quotas)
	}
	return *get(&DefaultQuotas)
}

// LimitsOrDefault are the configured limits, a value left out (0) taking
// DefaultLimits'.
func (c *Config) LimitsOrDefault() Limits {
	l := DefaultLimits
	if c.Limits != nil {
		if c.Limits.Calls > 0 {
			l.Calls = c.Limits.Calls
		}
		if c.Limits.InFlightMiB > 0 {
			l.InFlightMiB = c.Limits.InFlightMiB
		}
	}
	return l
}
