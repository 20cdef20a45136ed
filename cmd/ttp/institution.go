package main

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"strings"
)

// institution names who ran a job, for its quality report: the client
// certificate's principal and organisation ("umcx-broker (UMC X)"). It is
// "" when there is no certificate to read (test mode without settings).
func institution(certFile string) string {
	if certFile == "" {
		return ""
	}
	b, err := os.ReadFile(certFile)
	if err != nil {
		return ""
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return ""
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return ""
	}
	name := cert.Subject.CommonName
	if org := strings.Join(cert.Subject.Organization, ", "); org != "" {
		name += " (" + org + ")"
	}
	return name
}
