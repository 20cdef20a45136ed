package secretfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret")
	const content = "0123456789abcdef"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path, 100)
	if err != nil || string(got) != content {
		t.Fatalf("Read: %q, %v", got, err)
	}
	// The limit: one byte more than allowed is read, so a caller sees the
	// file is too long.
	if got, _ := Read(path, 4); len(got) != 5 {
		t.Fatalf("Read with limit 4 returned %d bytes, want 5", len(got))
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err = Read(path, 100)
	if err == nil || !strings.Contains(err.Error(), "chmod 0600") || strings.Contains(err.Error(), content) {
		t.Fatalf("group-readable file: %v", err)
	}
	if _, err := Read(dir, 100); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("directory: %v", err)
	}
}

// A TLS key pair whose key others may read is refused; the same pair with
// the key at 0600 loads.
func TestLoadX509KeyPair(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, []byte(testCertPEM), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, []byte(testKeyPEM), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadX509KeyPair(cert, key); err == nil || !strings.Contains(err.Error(), "chmod 0600") {
		t.Fatalf("world-readable key: %v", err)
	}
	if err := os.Chmod(key, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadX509KeyPair(cert, key); err != nil {
		t.Fatalf("key at 0600: %v", err)
	}
}

// From crypto/tls's tests (an ECDSA P-256 pair, public test material).
const testCertPEM = `-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIQIRi6zePL6mKjOipn+dNuaTAKBggqhkjOPQQDAjASMRAw
DgYDVQQKEwdBY21lIENvMB4XDTE3MTAyMDE5NDMwNloXDTE4MTAyMDE5NDMwNlow
EjEQMA4GA1UEChMHQWNtZSBDbzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABD0d
7VNhbWvZLWPuj/RtHFjvtJBEwOkhbN/BnnE8rnZR8+sbwnc/KhCk3FhnpHZnQz7B
5aETbbIgmuvewdjvSBSjYzBhMA4GA1UdDwEB/wQEAwICpDATBgNVHSUEDDAKBggr
BgEFBQcDATAPBgNVHRMBAf8EBTADAQH/MCkGA1UdEQQiMCCCDmxvY2FsaG9zdDo1
NDUzgg4xMjcuMC4wLjE6NTQ1MzAKBggqhkjOPQQDAgNIADBFAiEA2zpJEPQyz6/l
Wf86aX6PepsntZv2GYlA5UpabfT2EZICICpJ5h/iI+i341gBmLiAFQOyTDT+/wQc
6MF9+Yw1Yy0t
-----END CERTIFICATE-----`

const testKeyPEM = `-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49
AwEHoUQDQgAEPR3tU2Fta9ktY+6P9G0cWO+0kETA6SFs38GecTyudlHz6xvCdz8q
EKTcWGekdmdDPsHloRNtsiCa697B2O9IFA==
-----END EC PRIVATE KEY-----`
