package seal

import (
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

var (
	// ErrMalformed is returned by [Open] for a string that is not a sealed
	// value in this package's format.
	ErrMalformed = errors.New("seal: malformed sealed value")

	// ErrWrongSuite is returned by [Open] for a value sealed with another
	// suite than the private key's.
	ErrWrongSuite = errors.New("seal: value was sealed for a different kind of key")

	// ErrOpen is returned by [Open] for a value that does not authenticate:
	// sealed to another recipient's key, altered, or moved to another
	// column or domain.
	ErrOpen = errors.New("seal: value cannot be opened: wrong private key, or the value was altered or moved to another column")

	// ErrMalformedKey is returned by [ParsePublicKey] and [ParsePrivateKey].
	// It never repeats the input.
	ErrMalformedKey = errors.New("seal: malformed recipient key")

	// ErrTooLong is returned by [Seal] for a plaintext over [MaxPlaintext].
	ErrTooLong = errors.New("seal: plaintext too long")
)

const (
	// MaxPlaintext bounds what one cell may hold; pseudonyms are tens of
	// bytes.
	MaxPlaintext = 4096

	// maxSealedLen bounds what Open decodes: the longest prefix, the
	// largest encapsulation, MaxPlaintext and a tag, in base64.
	maxSealedLen = 64 + (1120+MaxPlaintext+16)*4/3 + 4

	pubPrefix   = "ttp-recipient-pub-v1"
	privPrefix  = "ttp-recipient-priv-v1"
	valuePrefix = "s1"

	infoLabel = "ttp/v1 seal"
)

var b64 = base64.RawURLEncoding.Strict()

// A Suite names an HPKE ciphersuite. All suites use HKDF-SHA256 and
// AES-256-GCM; they differ in the KEM.
type Suite uint8

const (
	// X25519 is DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM.
	X25519 Suite = iota + 1
	// MLKEM768X25519 is the hybrid post-quantum KEM ML-KEM-768 + X25519
	// (X-Wing), HKDF-SHA256, AES-256-GCM.
	MLKEM768X25519
)

// Suites lists every suite, the recommended one first.
var Suites = []Suite{MLKEM768X25519, X25519}

type suiteParams struct {
	name    string
	kem     func() hpke.KEM
	encSize int
}

var suites = map[Suite]suiteParams{
	X25519:         {"x25519", func() hpke.KEM { return hpke.DHKEM(ecdh.X25519()) }, 32},
	MLKEM768X25519: {"mlkem768x25519", hpke.MLKEM768X25519, 1120},
}

func (s Suite) params() (suiteParams, bool) {
	p, ok := suites[s]
	return p, ok
}

// String returns the suite's name as it appears in keys and values:
// "x25519" or "mlkem768x25519".
func (s Suite) String() string {
	if p, ok := s.params(); ok {
		return p.name
	}
	return fmt.Sprintf("seal.Suite(%d)", uint8(s))
}

// ParseSuite returns the suite with the given name.
func ParseSuite(name string) (Suite, error) {
	for s, p := range suites {
		if p.name == name {
			return s, nil
		}
	}
	return 0, fmt.Errorf("seal: unknown suite %q (want x25519 or mlkem768x25519)", name)
}

// Info returns the HPKE info that binds a sealed value to a column:
// "ttp/v1 seal" ‖ 0x00 ‖ domain ‖ 0x00 ‖ field. It panics if a name contains
// a NUL byte, which would make the encoding ambiguous.
func Info(domain, field string) []byte {
	if strings.IndexByte(domain, 0) >= 0 || strings.IndexByte(field, 0) >= 0 {
		panic("seal: info name contains a NUL byte")
	}
	info := make([]byte, 0, len(infoLabel)+2+len(domain)+len(field))
	info = append(info, infoLabel...)
	info = append(info, 0)
	info = append(info, domain...)
	info = append(info, 0)
	return append(info, field...)
}

// A PublicKey is a recipient's public key. It is safe for concurrent use.
type PublicKey struct {
	suite Suite
	k     hpke.PublicKey
}

// A PrivateKey is a recipient's private key. It is safe for concurrent use.
type PrivateKey struct {
	suite Suite
	// k sits behind two pointers so that fmt, walking the fields of a
	// struct that contains a PrivateKey, never reaches key bytes.
	k   **hpke.PrivateKey
	pub *PublicKey
}

// GenerateKey returns a fresh key pair of suite, from crypto/rand.
func GenerateKey(suite Suite) (*PrivateKey, error) {
	p, ok := suite.params()
	if !ok {
		return nil, fmt.Errorf("seal: unknown suite %d", suite)
	}
	k, err := p.kem().GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("seal: generate key: %w", err)
	}
	return newPrivateKey(suite, k), nil
}

func newPrivateKey(suite Suite, k hpke.PrivateKey) *PrivateKey {
	kp := &k
	return &PrivateKey{suite: suite, k: &kp, pub: &PublicKey{suite: suite, k: k.PublicKey()}}
}

// Suite returns the key's suite.
func (k *PrivateKey) Suite() Suite { return k.suite }

// Public returns the public key of the pair.
func (k *PrivateKey) Public() *PublicKey { return k.pub }

// Suite returns the key's suite.
func (k *PublicKey) Suite() Suite { return k.suite }

// Encode returns the key's text form,
// "ttp-recipient-pub-v1:<suite>:<base64url>".
func (k *PublicKey) Encode() string {
	return pubPrefix + ":" + k.suite.String() + ":" + b64.EncodeToString(k.k.Bytes())
}

// String returns the key's text form, as Encode does: a public key is not
// secret.
func (k *PublicKey) String() string { return k.Encode() }

// Fingerprint returns a short hexadecimal digest of the key, for comparing
// keys by eye or over the phone: the first 16 bytes of
// SHA-256(Encode()), in four groups.
func (k *PublicKey) Fingerprint() string {
	sum := sha256.Sum256([]byte(k.Encode()))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:16] + "-" + h[16:24] + "-" + h[24:32]
}

// Equal reports whether two public keys are the same key.
func (k *PublicKey) Equal(o *PublicKey) bool {
	return k != nil && o != nil && k.Encode() == o.Encode()
}

// Encode returns the private key's text form,
// "ttp-recipient-priv-v1:<suite>:<base64url>". Handle the result as the
// secret it is: write it to a file of mode 0600 ([WritePrivateKeyFile]) and
// nowhere else.
func (k *PrivateKey) Encode() (string, error) {
	b, err := (**k.k).Bytes()
	if err != nil {
		return "", fmt.Errorf("seal: encode private key: %w", err)
	}
	defer clear(b)
	return privPrefix + ":" + k.suite.String() + ":" + b64.EncodeToString(b), nil
}

// String returns a description without key material.
func (k *PrivateKey) String() string {
	return fmt.Sprintf("seal.PrivateKey(%s, fingerprint %s, redacted)", k.suite, k.pub.Fingerprint())
}

// GoString returns a description without key material.
func (k *PrivateKey) GoString() string { return k.String() }

// Format writes a description without key material for every verb.
func (k *PrivateKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue describes the key for log/slog without key material.
func (k *PrivateKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("suite", k.suite.String()), slog.String("fingerprint", k.pub.Fingerprint()))
}

// parseKeyText splits "<prefix>:<suite>:<base64url>" and decodes it strictly.
func parseKeyText(s, prefix string) (Suite, []byte, error) {
	rest, ok := strings.CutPrefix(s, prefix+":")
	if !ok {
		return 0, nil, ErrMalformedKey
	}
	name, data, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, nil, ErrMalformedKey
	}
	suite, err := ParseSuite(name)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: unknown suite", ErrMalformedKey)
	}
	b, err := decodeStrict(data)
	if err != nil {
		return 0, nil, ErrMalformedKey
	}
	return suite, b, nil
}

// decodeStrict decodes unpadded base64url, accepting only the canonical
// spelling (the decoder alone skips newlines).
func decodeStrict(s string) ([]byte, error) {
	b, err := b64.DecodeString(s)
	if err != nil || b64.EncodeToString(b) != s {
		return nil, ErrMalformed
	}
	return b, nil
}

// ParsePublicKey parses the text form of a public key. Surrounding
// whitespace (a file's final newline) is ignored.
func ParsePublicKey(s string) (*PublicKey, error) {
	suite, b, err := parseKeyText(strings.TrimSpace(s), pubPrefix)
	if err != nil {
		return nil, err
	}
	p, _ := suite.params()
	k, err := p.kem().NewPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: not a valid %s public key", ErrMalformedKey, suite)
	}
	return &PublicKey{suite: suite, k: k}, nil
}

// ParsePrivateKey parses the text form of a private key. Surrounding
// whitespace is ignored. Errors never repeat the input.
func ParsePrivateKey(s string) (*PrivateKey, error) {
	suite, b, err := parseKeyText(strings.TrimSpace(s), privPrefix)
	defer clear(b)
	if err != nil {
		return nil, err
	}
	p, _ := suite.params()
	if len(b) != 32 {
		return nil, fmt.Errorf("%w: not a valid %s private key", ErrMalformedKey, suite)
	}
	k, err := p.kem().NewPrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: not a valid %s private key", ErrMalformedKey, suite)
	}
	return newPrivateKey(suite, k), nil
}

// Seal encrypts plaintext to pub under info (see [Info]) and returns the
// sealed value "s1.<suite>.<base64url(enc ‖ ciphertext)>". Every call uses
// a fresh encapsulation, so sealing a value twice gives unrelated strings.
func Seal(pub *PublicKey, info, plaintext []byte) (string, error) {
	if pub == nil {
		return "", errors.New("seal: no public key")
	}
	if len(plaintext) > MaxPlaintext {
		return "", ErrTooLong
	}
	ct, err := hpke.Seal(pub.k, hpke.HKDFSHA256(), hpke.AES256GCM(), info, plaintext)
	if err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	return valuePrefix + "." + pub.suite.String() + "." + b64.EncodeToString(ct), nil
}

// Open decrypts a sealed value with priv under info. It returns
// [ErrMalformed] for a string that is not a sealed value, [ErrWrongSuite]
// for a value sealed with another suite, and [ErrOpen] for a value that
// does not authenticate under this key and info.
func Open(priv *PrivateKey, info []byte, sealed string) ([]byte, error) {
	if priv == nil {
		return nil, errors.New("seal: no private key")
	}
	if len(sealed) > maxSealedLen {
		return nil, ErrMalformed
	}
	rest, ok := strings.CutPrefix(sealed, valuePrefix+".")
	if !ok {
		return nil, ErrMalformed
	}
	name, data, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, ErrMalformed
	}
	suite, err := ParseSuite(name)
	if err != nil {
		return nil, ErrMalformed
	}
	if suite != priv.suite {
		return nil, fmt.Errorf("%w: value is %s, key is %s", ErrWrongSuite, suite, priv.suite)
	}
	b, err := decodeStrict(data)
	if err != nil {
		return nil, ErrMalformed
	}
	p, _ := suite.params()
	if len(b) < p.encSize+16 { // an encapsulation and an AEAD tag at least
		return nil, ErrMalformed
	}
	pt, err := hpke.Open(**priv.k, hpke.HKDFSHA256(), hpke.AES256GCM(), info, b)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
