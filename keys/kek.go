package keys

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/ttpnl/ttp/secretfile"
)

// ErrUnwrap is the only error [KEK.Unwrap] returns. It deliberately does not
// say whether the KEK was wrong, the data was tampered with, or the format was
// unknown: distinguishing those helps an attacker more than an operator.
var ErrUnwrap = errors.New("keys: cannot unwrap key (wrong KEK or corrupted data)")

const (
	kekSize = 32

	// wrapFormatV1 is the first byte of every wrapped key. A future
	// wrapping scheme gets a new byte; Unwrap keeps accepting this one.
	wrapFormatV1 = 0x01
	nonceSize    = 12
	gcmTagSize   = 16

	// storeKeyInfo is the HKDF info string for the storage engine's key.
	// Changing it changes the key and makes every existing store unreadable.
	storeKeyInfo = "ttp/v1 store encryption"

	// maxKEKFileSize bounds what LoadKEKFile reads: a KEK file is 64 hex
	// characters plus a little whitespace, anything far larger is wrong.
	maxKEKFileSize = 4096
)

// A KEK is the 32-byte key-encryption key that protects keyrings at rest.
type KEK struct {
	key secret
	// gcm is the key's AES-256-GCM, made once: a re-identification key
	// (package reid) seals a source per registered record, and making it
	// per call was 4.5% of registration's CPU. AES-GCM keeps no state
	// between calls, so one value serves every goroutine. It sits behind
	// two pointers for the reason secret does: it holds the expanded key.
	gcm **cipher.AEAD
}

// newKEK makes a KEK of key, which it keeps.
func newKEK(key *[kekSize]byte) (*KEK, error) {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, errors.New("keys: cannot initialise AES") // err could only mention the key length
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	p := &gcm
	return &KEK{key: newSecret(key), gcm: &p}, nil
}

// NewKEK returns a KEK holding a copy of b, which must be 32 bytes.
// Production code loads the KEK with [LoadKEKFile]; NewKEK is for tests.
func NewKEK(b []byte) (*KEK, error) {
	if len(b) != kekSize {
		return nil, fmt.Errorf("keys: KEK must be %d bytes, got %d", kekSize, len(b))
	}
	k := new([kekSize]byte)
	copy(k[:], b)
	return newKEK(k)
}

// LoadKEKFile reads a KEK from a file holding 64 hexadecimal characters,
// optionally surrounded by whitespace.
//
// The file must not be readable or writable by group or others: a KEK that
// other accounts can read is already compromised, so refusing to start is the
// safe answer. Errors never echo the file's content.
func LoadKEKFile(path string) (*KEK, error) {
	content, err := secretfile.Read(path, maxKEKFileSize)
	defer clear(content)
	if err != nil {
		return nil, fmt.Errorf("keys: KEK file: %w", err)
	}
	return parseKEKFile(path, content)
}

// parseKEKFile decodes the content of a KEK file. Every malformed content
// yields the same error, because any detail (a length, an offending
// character, as encoding/hex would report) leaks part of a secret.
func parseKEKFile(path string, content []byte) (*KEK, error) {
	errBadContent := fmt.Errorf("keys: KEK file %s must contain exactly %d hexadecimal characters", path, 2*kekSize)
	text := bytes.TrimSpace(content)
	if len(text) != 2*kekSize {
		return nil, errBadContent
	}
	k := new([kekSize]byte)
	if _, err := hex.Decode(k[:], text); err != nil {
		clear(k[:])
		return nil, errBadContent // not wrapping err: it names the bad byte
	}
	return newKEK(k)
}

// WriteNewKEKFile creates path with a fresh random KEK, hex-encoded and
// followed by a newline, with mode 0600. It never overwrites an existing file:
// overwriting a KEK destroys every keyring sealed under it.
func WriteNewKEKFile(path string, rand io.Reader) error {
	var key [kekSize]byte
	defer clear(key[:])
	// Read the randomness before creating the file so that a failing
	// reader does not leave an empty KEK file behind.
	if _, err := io.ReadFull(rand, key[:]); err != nil {
		return fmt.Errorf("keys: generate KEK: %w", err)
	}
	text := make([]byte, 2*kekSize+1)
	defer clear(text)
	hex.Encode(text, key[:])
	text[2*kekSize] = '\n'

	if err := secretfile.WriteNew(path, text); err != nil {
		return fmt.Errorf("keys: KEK file: %w", err)
	}
	return nil
}

// Wrap encrypts plaintext under the KEK with AES-256-GCM. The result is
//
//	0x01 ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)
//
// The nonce is random. With 96-bit random nonces the KEK must not wrap more
// than about 2^32 messages; the TTP wraps one key per version per seal, many
// orders of magnitude fewer.
func (k *KEK) Wrap(plaintext, aad []byte, rand io.Reader) ([]byte, error) {
	aead := k.aead()
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+gcmTagSize)
	out[0] = wrapFormatV1
	if _, err := io.ReadFull(rand, out[1:]); err != nil {
		return nil, fmt.Errorf("keys: generate nonce: %w", err)
	}
	return aead.Seal(out, out[1:], plaintext, aad), nil
}

// Unwrap reverses [KEK.Wrap]. It fails with [ErrUnwrap] if the KEK or the AAD
// differs from the ones used to wrap, or if wrapped was modified.
func (k *KEK) Unwrap(wrapped, aad []byte) ([]byte, error) {
	if len(wrapped) < 1+nonceSize+gcmTagSize || wrapped[0] != wrapFormatV1 {
		return nil, ErrUnwrap
	}
	aead := k.aead()
	nonce, ciphertext := wrapped[1:1+nonceSize], wrapped[1+nonceSize:]
	plaintext, err := aead.Open(nil, nonce, ciphertext, aad)
	if err != nil {
		return nil, ErrUnwrap
	}
	return plaintext, nil
}

func (k *KEK) aead() cipher.AEAD { return **k.gcm }

// DeriveStoreKey returns the 32-byte encryption-at-rest key for the storage
// engine: HKDF-SHA256 with the KEK as secret, no salt, and info
// "ttp/v1 store encryption". Deriving it (rather than storing a second secret)
// means the KEK file is the only secret an operator has to keep.
func (k *KEK) DeriveStoreKey() []byte {
	key, err := hkdf.Key(sha256.New, k.key.bytes()[:], nil, storeKeyInfo, 32)
	if err != nil {
		// Only possible for an invalid output length, which is a constant.
		panic("keys: HKDF failed for a constant length")
	}
	return key
}

// String, GoString, Format and LogValue keep the key out of every kind of
// output. They use value receivers so that a KEK value, not only a *KEK,
// is covered.

// String returns a redacted description.
func (KEK) String() string { return "keys.KEK(redacted)" }

// GoString returns a redacted description.
func (k KEK) GoString() string { return k.String() }

// Format writes a redacted description for every verb, including ones such
// as %x and %d that would otherwise print the struct by reflection.
func (k KEK) Format(f fmt.State, verb rune) { io.WriteString(f, k.String()) }

// LogValue returns a redacted description for log/slog.
func (k KEK) LogValue() slog.Value { return slog.StringValue(k.String()) }
