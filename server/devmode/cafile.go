package devmode

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ttpnl/ttp/pki"
	"github.com/ttpnl/ttp/secretfile"
)

// The CA's files in the data directory: caFile holds the certificates of
// every dev CA (servers and clients trust each one in it), caKeyFile the
// key of the one that issues from now on. Dev mode keeps the key so that
// a later start can issue certificates for principals it did not make
// before.

// writeNewCA makes a new CA, writes its certificate as the only one in
// caFile and its key in caKeyFile (mode 0600), replacing both.
func writeNewCA(caFile, caKeyFile string) (*CA, error) {
	ca, err := NewCA("ttp dev CA")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(caFile, ca.PEM, 0o644); err != nil {
		return nil, err
	}
	if err := writeCAKey(ca, caKeyFile); err != nil {
		return nil, err
	}
	return ca, nil
}

// openCA returns the CA whose key is in caKeyFile. A data directory made
// before dev mode kept the key has none: then a new CA is made, its
// certificate added to caFile after the old one, and its key kept. The old
// CA stays trusted, so the certificates it issued (the server's, the
// clients' made then) stay valid beside the new ones.
func openCA(caFile, caKeyFile string) (*CA, error) {
	bundle, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(caKeyFile)
	if err == nil {
		ca, err := pki.ParseCA(bundle, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("dev CA: %w", err)
		}
		return ca, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	ca, err := NewCA(fmt.Sprintf("ttp dev CA %d", bytes.Count(bundle, []byte("BEGIN CERTIFICATE"))+1))
	if err != nil {
		return nil, err
	}
	// The key first: a CA certificate in the bundle without its key could
	// never issue, and the next start would add yet another.
	if err := writeCAKey(ca, caKeyFile); err != nil {
		return nil, err
	}
	if err := appendFile(caFile, ca.PEM); err != nil {
		return nil, err
	}
	return ca, nil
}

func writeCAKey(ca *CA, path string) error {
	keyPEM, err := ca.KeyPEM()
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replace CA key %s: %w", path, err)
	}
	if err := secretfile.WriteNew(path, keyPEM); err != nil {
		return fmt.Errorf("write CA key: %w", err)
	}
	return nil
}

func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}
