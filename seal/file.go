package seal

import (
	"fmt"
	"io"
	"os"

	"github.com/ttpnl/ttp/secretfile"
)

// maxKeyFileSize bounds what ReadPrivateKeyFile and ReadPublicKeyFile read.
const maxKeyFileSize = 4096

// WritePrivateKeyFile writes the private key's text form and a newline to a
// new file of mode 0600. It never overwrites an existing file: that would
// destroy the only key that opens values already sealed to it.
func WritePrivateKeyFile(path string, k *PrivateKey) error {
	text, err := k.Encode()
	if err != nil {
		return err
	}
	content := []byte(text + "\n")
	defer clear(content)
	if err := secretfile.WriteNew(path, content); err != nil {
		return fmt.Errorf("seal: private key file: %w", err)
	}
	return nil
}

// WritePublicKeyFile writes the public key's text form and a newline to a
// new file of mode 0644. It never overwrites an existing file: a recipient
// may have sent it to the TTP already.
func WritePublicKeyFile(path string, k *PublicKey) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("seal: create key file: %w", err)
	}
	_, err = io.WriteString(f, k.Encode()+"\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("seal: write key file: %w", err)
	}
	return nil
}

// ReadPrivateKeyFile reads a private key file. Like the TTP's KEK file, it
// refuses a file that other accounts can read or write: such a key is
// already compromised. Errors never echo the file's content.
func ReadPrivateKeyFile(path string) (*PrivateKey, error) {
	b, err := secretfile.Read(path, maxKeyFileSize)
	defer clear(b)
	if err != nil {
		return nil, fmt.Errorf("seal: private key file: %w", err)
	}
	if len(b) > maxKeyFileSize {
		return nil, fmt.Errorf("seal: private key file %s: %w", path, ErrMalformedKey)
	}
	k, err := ParsePrivateKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("seal: private key file %s: %w", path, err)
	}
	return k, nil
}

// ReadPublicKeyFile reads a public key file.
func ReadPublicKeyFile(path string) (*PublicKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("seal: open public key file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("seal: read public key file: %w", err)
	}
	if len(b) > maxKeyFileSize {
		return nil, fmt.Errorf("seal: public key file %s: %w", path, ErrMalformedKey)
	}
	k, err := ParsePublicKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("seal: public key file %s: %w", path, err)
	}
	return k, nil
}
