package servertest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"os"
	"strings"
	"testing"
)

// Fingerprint is the SHA-256 of a PEM certificate file's DER, as
// "openssl x509 -noout -fingerprint -sha256" prints it (AB:CD:...), the
// form the configuration's pinned and revoked certificates take.
func Fingerprint(t testing.TB, certFile string) string {
	t.Helper()
	raw, err := os.ReadFile(certFile)
	check(t, err)
	block, _ := pem.Decode(raw)
	if block == nil {
		t.Fatalf("%s: no PEM", certFile)
	}
	sum := sha256.Sum256(block.Bytes)
	var parts []string
	for _, b := range sum {
		parts = append(parts, strings.ToUpper(hex.EncodeToString([]byte{b})))
	}
	return strings.Join(parts, ":")
}
