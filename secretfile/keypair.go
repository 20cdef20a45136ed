package secretfile

import (
	"crypto/tls"
	"fmt"
	"os"
)

// maxKeyPairFileSize bounds what LoadX509KeyPair reads of each file.
const maxKeyPairFileSize = 1 << 20

// LoadX509KeyPair is tls.LoadX509KeyPair with the private key read by Read:
// a key that other accounts can read or write is refused. The certificate
// is public and read as it is.
func LoadX509KeyPair(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := Read(keyFile, maxKeyPairFileSize)
	if err != nil {
		return tls.Certificate{}, err
	}
	defer clear(keyPEM)
	if len(keyPEM) > maxKeyPairFileSize {
		return tls.Certificate{}, fmt.Errorf("%s is longer than %d bytes", keyFile, maxKeyPairFileSize)
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}
