package keys

import (
	"crypto/hkdf"
	"crypto/sha256"
)

// DeriveSubkeyForServerUse returns a 32-byte key for one purpose inside the
// server, derived from version v with HKDF-SHA256 (info "ttp/v1 subkey " ‖
// purpose). The person index uses it for its keyed encodings. The result is
// key material: it must stay in the server's memory, like the keyring itself,
// and is named so that every use can be found with grep.
func (r *Keyring) DeriveSubkeyForServerUse(v Version, purpose string) ([]byte, error) {
	kv, err := r.version(v)
	if err != nil {
		return nil, err
	}
	return hkdf.Key(sha256.New, kv.key.bytes()[:], nil, "ttp/v1 subkey "+purpose, 32)
}
