package authz

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"strings"
)

// Fingerprint is the SHA-256 of a certificate's DER encoding: what pins a
// principal to certificates and revokes one certificate (configuration
// pinned_certificates, revoked_certificates).
type Fingerprint [sha256.Size]byte

// Fingerprints is a set of fingerprints.
type Fingerprints map[Fingerprint]bool

// FingerprintOf is cert's fingerprint.
func FingerprintOf(cert *x509.Certificate) Fingerprint { return sha256.Sum256(cert.Raw) }

var errFingerprint = errors.New("a certificate fingerprint is the SHA-256 of the certificate: 64 hex digits, colons allowed (openssl x509 -noout -fingerprint -sha256)")

// ParseFingerprint reads a fingerprint written as hex, in either case, with
// or without colons between the bytes, as openssl prints it.
func ParseFingerprint(s string) (Fingerprint, error) {
	var fp Fingerprint
	b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	if err != nil || len(b) != len(fp) {
		return fp, errFingerprint
	}
	copy(fp[:], b)
	return fp, nil
}
