package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ttpnl/ttp/pki"
	"github.com/ttpnl/ttp/secretfile"
)

// ttpd pki runs the certificate authority of a production ttpd on the
// machine that keeps its key, offline: it makes the CA, and issues and
// renews the server's certificate and the principals' client certificates.
// It never replaces a file. docs/operations.md is the guide.
const pkiUsage = `usage: ttpd pki COMMAND -dir DIR ...

  init    make the CA: DIR/ca.pem (give it to ttpd and every client) and DIR/ca-key.pem (0600, keep offline)
  issue   issue a client certificate for a principal: -name PRINCIPAL [-csr FILE] [-days N] [-o STEM]
  renew   issue a new certificate for the principal of an old one: -cert OLD.pem [-csr FILE] [-days N] [-o STEM]
  server  issue ttpd's server certificate: -hosts NAME,IP,... [-days N] [-o STEM]

With -csr the principal made its key and sends a certificate request
(openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
-subj /CN=PRINCIPAL -keyout key.pem -out req.csr): its key never leaves it.
Without, ttpd pki makes the key (STEM-key.pem, 0600) for you to hand over.
`

// runPKI runs ttpd pki with args (after "pki").
func runPKI(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, pkiUsage)
		if len(args) == 0 {
			return errors.New("pki: give a command")
		}
		return nil
	}
	fs := flag.NewFlagSet("ttpd pki "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "the CA's directory (ca.pem, ca-key.pem)")
	days := fs.Int("days", 0, "validity in days (default: 3650 for the CA, 730 for a certificate)")
	out := fs.String("o", "", "file stem: STEM.pem and, without -csr, STEM-key.pem (default: the principal's name, or server)")
	name := fs.String("name", "", "init: the CA's name; issue: the principal (the certificate's CommonName)")
	org := fs.String("org", "", "init: the organisation that runs the CA")
	csr := fs.String("csr", "", "issue, renew: sign this certificate request (PEM) instead of making a key")
	oldCert := fs.String("cert", "", "renew: the certificate to renew")
	hosts := fs.String("hosts", "", "server: the host names and IP addresses clients dial, comma-separated")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("pki: -dir is required")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("pki %s: unexpected argument %q", args[0], fs.Arg(0))
	}
	validity := func(def int) time.Duration {
		if *days <= 0 {
			return time.Duration(def) * 24 * time.Hour
		}
		return time.Duration(*days) * 24 * time.Hour
	}
	caFile, caKeyFile := filepath.Join(*dir, "ca.pem"), filepath.Join(*dir, "ca-key.pem")
	switch args[0] {
	case "init":
		if *name == "" || *org == "" {
			return errors.New("pki init: -name and -org are required (the CA's name and organisation)")
		}
		return pkiInit(caFile, caKeyFile, *name, *org, stdout)
	case "issue", "renew":
		principal := *name
		if args[0] == "renew" {
			if *oldCert == "" || principal != "" {
				return errors.New("pki renew: give -cert OLD.pem (the principal is its name), not -name")
			}
		} else if principal == "" {
			return errors.New("pki issue: -name PRINCIPAL is required")
		}
		ca, err := loadCA(caFile, caKeyFile)
		if err != nil {
			return err
		}
		var old *x509.Certificate
		if args[0] == "renew" {
			if old, err = issuedBy(ca, *oldCert); err != nil {
				return err
			}
			principal = old.Subject.CommonName
		}
		if err := checkPrincipalName(principal); err != nil {
			return err
		}
		stem := orDefault(*out, principal)
		cert, err := issueFor(ca, pki.ClientTemplate(principal, validity(730)), *csr, principal, stem)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "certificate for principal %q: %s, valid until %s\n  SHA-256 fingerprint %s\n", principal, stem+".pem", cert.NotAfter.UTC().Format(time.DateOnly), fingerprint(cert))
		if old != nil {
			fmt.Fprintf(stdout, "  the old certificate stays valid until %s: once the new one is in use, revoke it in ttpd's configuration:\n  \"revoked_certificates\": [\"%s\"]\n", old.NotAfter.UTC().Format(time.DateOnly), fingerprint(old))
		}
		return nil
	case "server":
		list := splitComma(*hosts)
		if len(list) == 0 {
			return errors.New("pki server: -hosts is required: the names and addresses clients dial")
		}
		ca, err := loadCA(caFile, caKeyFile)
		if err != nil {
			return err
		}
		stem := orDefault(*out, "server")
		cert, err := issueFor(ca, pki.ServerTemplate(list[0], list, validity(730)), "", "", stem)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "server certificate for %s: %s, valid until %s\n", strings.Join(list, ", "), stem+".pem", cert.NotAfter.UTC().Format(time.DateOnly))
		return nil
	}
	return fmt.Errorf("pki: unknown command %q (init, issue, renew, server)", args[0])
}

func pkiInit(caFile, caKeyFile, name, org string, stdout io.Writer) error {
	if err := os.MkdirAll(filepath.Dir(caFile), 0o700); err != nil {
		return err
	}
	ca, err := pki.NewCA(name, org)
	if err != nil {
		return err
	}
	keyPEM, err := ca.KeyPEM()
	if err != nil {
		return err
	}
	// The key first, never over an existing one: a second init must not
	// destroy the CA every certificate depends on.
	if err := secretfile.WriteNew(caKeyFile, keyPEM); err != nil {
		return err
	}
	if err := writeNewPublic(caFile, ca.PEM); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "CA %q: %s (certificate), %s (key, 0600: keep it offline)\n", name, caFile, caKeyFile)
	return nil
}

// loadCA reads the CA; its key must be mode 0600.
func loadCA(caFile, caKeyFile string) (*pki.CA, error) {
	bundle, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := secretfile.Read(caKeyFile, 64<<10)
	if err != nil {
		return nil, err
	}
	ca, err := pki.ParseCA(bundle, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", caFile, err)
	}
	return ca, nil
}

// issueFor signs tmpl for the key in the request csrFile, which must be
// for principal, or for a new key written to STEM-key.pem; it writes
// STEM.pem and returns the certificate.
func issueFor(ca *pki.CA, tmpl *x509.Certificate, csrFile, principal, stem string) (*x509.Certificate, error) {
	var pub any
	var keyPEM []byte
	if csrFile != "" {
		req, err := readCSR(csrFile, principal)
		if err != nil {
			return nil, err
		}
		pub = req.PublicKey
	} else {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, err
		}
		pub, keyPEM = &key.PublicKey, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	certPEM, err := ca.Sign(tmpl, pub)
	if err != nil {
		return nil, err
	}
	if keyPEM != nil {
		if err := secretfile.WriteNew(stem+"-key.pem", keyPEM); err != nil {
			return nil, err
		}
	}
	if err := writeNewPublic(stem+".pem", certPEM); err != nil {
		return nil, err
	}
	block, _ := pem.Decode(certPEM)
	return x509.ParseCertificate(block.Bytes)
}

// readCSR reads a certificate request, checks its signature (whoever sent
// it holds the key) and that it is for principal: the CommonName the CA
// puts in the certificate is the operator's -name, and a request for
// another name is a mistake or an attempt to get that principal's
// certificate.
func readCSR(path, principal string) (*x509.CertificateRequest, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
		return nil, fmt.Errorf("%s: no PEM certificate request", path)
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := req.CheckSignature(); err != nil {
		return nil, fmt.Errorf("%s: the request's signature does not verify: %w", path, err)
	}
	if req.Subject.CommonName != principal {
		return nil, fmt.Errorf("%s: the request is for %q, not for principal %q", path, req.Subject.CommonName, principal)
	}
	switch k := req.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return nil, fmt.Errorf("%s: ECDSA key on %s; want P-256 or P-384", path, k.Curve.Params().Name)
		}
	case ed25519.PublicKey:
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("%s: a %d-bit RSA key; want 2048 bits at least", path, k.N.BitLen())
		}
	default:
		return nil, fmt.Errorf("%s: a %T key; want ECDSA, Ed25519 or RSA", path, k)
	}
	return req, nil
}

// issuedBy reads a certificate and checks that ca issued it.
func issuedBy(ca *pki.CA, path string) (*x509.Certificate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := cert.CheckSignatureFrom(ca.Cert); err != nil {
		return nil, fmt.Errorf("%s: not issued by this CA: %w", path, err)
	}
	return cert, nil
}

// checkPrincipalName keeps principal names to what a configuration file
// and a log line show unambiguously.
func checkPrincipalName(name string) error {
	if len(name) == 0 || len(name) > 64 {
		return fmt.Errorf("principal %q: 1 to 64 characters", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("principal %q: letters, digits, '-', '_' and '.' only", name)
		}
	}
	return nil
}

// fingerprint is the certificate's SHA-256 fingerprint as openssl prints
// it, the form ttpd's configuration takes for pinned and revoked
// certificates.
func fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// writeNewPublic writes a file that is not secret (a certificate), mode
// 0644, never over an existing one.
func writeNewPublic(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
