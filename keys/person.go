package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// ErrUnknownPersonPseudonym is returned by [PersonCipher.OpenPersonPseudonym]
// for a well-formed pseudonym that this domain and version never issued.
var ErrUnknownPersonPseudonym = errors.New("keys: not a person pseudonym of this domain and key version")

// personCipherInfo labels the HKDF derivation of a version's person key, so
// that it is independent of the HMAC key it comes from and of every other
// subkey.
const personCipherInfo = "ttp/v1 person pseudonym"

// PersonCipher makes and opens the person pseudonyms of one domain under one
// key version. A person pseudonym names a person of the person index (an
// internal 64-bit ID that never leaves the server), the way a field
// pseudonym names a value.
//
// Unlike a field pseudonym it must be reversible by the TTP: a registry that
// asks for a conversion sends the person pseudonyms it holds, and the TTP
// has to know the person to give its pseudonym in the project's domain
// (DESIGN §6). An HMAC cannot be inverted, so the tag is a block cipher
// instead: AES-256 of the ID (8 bytes, big-endian) followed by 8 zero bytes,
// under a key derived with HKDF-SHA256 from the version's key. AES is a
// pseudorandom permutation, so to anyone without the key a tag is 128 random
// bits, one per person, and unrelated to the person's tag in any other
// domain or version (independent keys). Opening decrypts and checks the 8
// zero bytes: a tag nobody issued passes with probability 2⁻⁶⁴.
//
// The text form is that of every pseudonym: "v" ‖ version ‖ "." ‖ base32.
type PersonCipher struct {
	version Version
	block   cipher.Block
}

// PersonCipher returns version v's person cipher. It fails with
// [ErrUnknownVersion] if the keyring has no such version.
func (r *Keyring) PersonCipher(v Version) (*PersonCipher, error) {
	kv, err := r.version(v)
	if err != nil {
		return nil, err
	}
	return kv.person, nil
}

// newPersonCipher derives version v's person cipher from its key. Neither
// step can fail for a 32-byte key (HKDF-SHA256 of 32 bytes, AES-256), so a
// failure is a broken build and panics, with no key byte in the message.
func newPersonCipher(v Version, key *[keySize]byte) *PersonCipher {
	sub, err := hkdf.Key(sha256.New, key[:], nil, personCipherInfo, 32)
	if err != nil {
		panic("keys: deriving a person cipher key failed")
	}
	block, err := aes.NewCipher(sub)
	if err != nil {
		panic("keys: creating a person cipher failed")
	}
	return &PersonCipher{version: v, block: block}
}

// Version is the key version the cipher uses.
func (c *PersonCipher) Version() Version { return c.version }

// Pseudonym returns person's pseudonym.
func (c *PersonCipher) Pseudonym(person uint64) string {
	var tag [TagSize]byte
	binary.BigEndian.PutUint64(tag[:8], person)
	c.block.Encrypt(tag[:], tag[:])
	return string(appendPseudonymText(nil, c.version, &tag))
}

// OpenPersonPseudonymForConversion returns the internal person ID that
// pseudonym names. It is the one way back from a pseudonym to the index,
// named so that every use can be found with grep: only conversion under an
// approved request may call it, and the ID must never leave the server.
// It fails with [ErrMalformedPseudonym] for text that is no pseudonym, with
// [ErrUnknownVersion] when the pseudonym names another key version (use
// [PseudonymVersion] to pick the cipher), and with
// [ErrUnknownPersonPseudonym] for a tag this cipher never made.
func (c *PersonCipher) OpenPersonPseudonymForConversion(pseudonym string) (uint64, error) {
	v, tag, err := ParsePseudonym(pseudonym)
	if err != nil {
		return 0, err
	}
	if v != c.version {
		return 0, ErrUnknownVersion
	}
	c.block.Decrypt(tag[:], tag[:])
	if binary.BigEndian.Uint64(tag[8:]) != 0 {
		return 0, ErrUnknownPersonPseudonym
	}
	return binary.BigEndian.Uint64(tag[:8]), nil
}

// PseudonymVersion returns the key version a pseudonym names, so that a
// caller can pick the cipher that opens it.
func PseudonymVersion(pseudonym string) (Version, error) {
	v, _, err := ParsePseudonym(pseudonym)
	return v, err
}

// String returns a description without key material.
func (c *PersonCipher) String() string {
	return fmt.Sprintf("keys.PersonCipher(v%d, key redacted)", c.version)
}

// GoString returns a description without key material.
func (c *PersonCipher) GoString() string { return c.String() }

// Format writes a description without key material for every verb.
func (c *PersonCipher) Format(f fmt.State, verb rune) { io.WriteString(f, c.String()) }

// LogValue describes the cipher for log/slog without key material.
func (c *PersonCipher) LogValue() slog.Value {
	return slog.GroupValue(slog.Uint64("version", uint64(c.version)))
}
