// Package pki is the certificate authority of ttp's mTLS: a CA that issues
// the server's certificate and client certificates whose CommonName is a
// principal. Dev mode and the tests run one in the data directory; in
// production ttpd pki runs one on a machine kept offline (docs/operations.md).
package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"time"

	"github.com/ttpnl/ttp/secretfile"
)

// CA is a private certificate authority: ECDSA P-256 keys, a CA that
// issues end-entity certificates only (path length 0).
type CA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
	PEM  []byte
}

// NewCA makes a CA with a fresh P-256 key, valid for ten years, for the
// organisation org.
func NewCA(name, org string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{org}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, key: key, PEM: pemBlock("CERTIFICATE", der)}, nil
}

// Issued is a certificate and its private key, both PEM.
type Issued struct {
	CertPEM []byte
	KeyPEM  []byte
}

// DefaultValidity is how long a certificate is valid unless said otherwise.
const DefaultValidity = 2 * 365 * 24 * time.Hour

// IssueServer issues a server certificate, with a new key, for the given
// host names and IPs.
func (ca *CA) IssueServer(name string, hosts []string) (*Issued, error) {
	return ca.issue(ServerTemplate(name, hosts, DefaultValidity))
}

// IssueClient issues a client certificate, with a new key, whose
// CommonName is the principal.
func (ca *CA) IssueClient(principal string) (*Issued, error) {
	return ca.issue(ClientTemplate(principal, DefaultValidity))
}

// ClientTemplate is a client certificate for principal, valid for validity
// from now.
func ClientTemplate(principal string, validity time.Duration) *x509.Certificate {
	return template(principal, x509.ExtKeyUsageClientAuth, validity)
}

// ServerTemplate is a server certificate for the host names and IPs.
func ServerTemplate(name string, hosts []string, validity time.Duration) *x509.Certificate {
	tmpl := template(name, x509.ExtKeyUsageServerAuth, validity)
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return tmpl
}

func template(cn string, usage x509.ExtKeyUsage, validity time.Duration) *x509.Certificate {
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
}

// issue makes a new key and signs tmpl for it.
func (ca *CA) issue(tmpl *x509.Certificate) (*Issued, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	certPEM, err := ca.Sign(tmpl, &key.PublicKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &Issued{CertPEM: certPEM, KeyPEM: pemBlock("PRIVATE KEY", keyDER)}, nil
}

// Sign signs tmpl for the public key pub (from a certificate request: the
// private key stays with whoever made it) and returns the certificate, PEM.
func (ca *CA) Sign(tmpl *x509.Certificate, pub any) ([]byte, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.key)
	if err != nil {
		return nil, err
	}
	return pemBlock("CERTIFICATE", der), nil
}

// KeyPEM is the CA's private key, PKCS #8 PEM, for a file of mode 0600.
func (ca *CA) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(ca.key)
	if err != nil {
		return nil, err
	}
	return pemBlock("PRIVATE KEY", der), nil
}

// WriteFiles writes the certificate, and the key with secretfile.WriteNew
// (mode 0600). Files already at those paths are replaced: dev mode issues
// everything anew when its configuration is missing, and what an earlier
// start left there belongs to a CA that is gone. (ttpd pki never replaces
// a file: it writes with secretfile.WriteNew.)
func (i *Issued) WriteFiles(certPath, keyPath string) error {
	if err := os.WriteFile(certPath, i.CertPEM, 0o644); err != nil {
		return err
	}
	if err := os.Remove(keyPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replace key %s: %w", keyPath, err)
	}
	if err := secretfile.WriteNew(keyPath, i.KeyPEM); err != nil {
		return fmt.Errorf("write key: %w", err)
	}
	return nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return n
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// ParseCA finds, in a bundle of CA certificates, the one whose key keyPEM
// holds, and returns that CA.
func ParseCA(bundle, keyPEM []byte) (*CA, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("CA key: no PEM private key")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("CA key: a %T, not an ECDSA key", parsed)
	}
	for rest := bundle; ; {
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no certificate in the CA file matches the CA key")
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("CA certificate: %w", err)
		}
		if key.PublicKey.Equal(cert.PublicKey) {
			return &CA{Cert: cert, key: key, PEM: pemBlock("CERTIFICATE", cert.Raw)}, nil
		}
	}
}
