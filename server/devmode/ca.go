package devmode

import "github.com/ttpnl/ttp/pki"

// CA is dev mode's certificate authority (and the tests'); in production
// the operator runs one with ttpd pki, offline.
type CA = pki.CA

// Issued is a certificate and its private key, both PEM.
type Issued = pki.Issued

// NewCA makes a development CA.
func NewCA(name string) (*CA, error) { return pki.NewCA(name, "ttp development") }
