package keys

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
)

// ErrMalformedPseudonym is returned by [ParsePseudonym]. The error does not
// repeat the input: pseudonyms are personal data too.
var ErrMalformedPseudonym = errors.New("keys: malformed pseudonym")

const (
	// pseudonymLabel starts every PRF input. A new construction gets a new
	// label, so its outputs can never collide with these.
	pseudonymLabel = "ttp/v1"

	// TagSize is the length in bytes of a pseudonym's tag: the first 16
	// bytes (128 bits) of the HMAC-SHA256 output.
	TagSize = 16

	// tagTextLen is the length of the base32 form of a tag:
	// ceil(128 / 5) = 26 characters, no padding.
	tagTextLen = 26

	// maxPooledInput bounds the input buffer kept in the pool, so one huge
	// value does not pin memory for the life of the process.
	maxPooledInput = 1024
)

// tagEncoding is RFC 4648 base32 with the alphabet in lowercase and no
// padding. Lowercase reads better and is what ParsePseudonym insists on.
var tagEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// A Pseudonymizer computes the pseudonyms of one domain under one key version.
// It is safe for concurrent use. Get one from [Keyring.Pseudonymizer].
type Pseudonymizer struct {
	version Version
	// states pools *hmacState values keyed with this version's key.
	// An HMAC state that has been Reset once restores its keyed start
	// state by copying, so pooling saves the two key-block compressions and
	// the allocations that hmac.New costs on every call.
	states sync.Pool
}

// hmacState is a keyed HMAC with scratch space for one computation.
type hmacState struct {
	mac hash.Hash
	in  []byte
	sum [sha256.Size]byte
}

func newPseudonymizer(v Version, key *[keySize]byte) *Pseudonymizer {
	p := &Pseudonymizer{version: v}
	p.states.New = func() any {
		return &hmacState{mac: hmac.New(sha256.New, key[:])}
	}
	return p
}

// Version returns the key version the pseudonyms are computed under.
func (p *Pseudonymizer) Version() Version { return p.version }

// Pseudonym returns the pseudonym of a normalised value of field, such as
// "v1.vbe3q7kzm5oosyro6ymc5ckpcy".
//
// field is a vocabulary name ("bsn", "birth_date", ...) and must not contain
// a NUL byte; normalised is the canonical form made by the identity package
// and may contain any bytes. See docs/pseudonyms.md for the exact construction.
func (p *Pseudonymizer) Pseudonym(field, normalised string) string {
	var buf [40]byte // room for the longest, "v4294967295." and 26 characters
	return string(p.AppendPseudonym(buf[:0], field, normalised))
}

// AppendPseudonym appends the pseudonym of normalised in field to dst, as
// [Pseudonymizer.Pseudonym] would return it, and returns the extended slice.
// It does not allocate when dst has room.
func (p *Pseudonymizer) AppendPseudonym(dst []byte, field, normalised string) []byte {
	var tag [TagSize]byte
	p.tag(&tag, field, normalised)
	return appendPseudonymText(dst, p.version, &tag)
}

// tag computes HMAC-SHA256(key, "ttp/v1" ‖ 0 ‖ field ‖ 0 ‖ normalised)[:16].
// It also serves the tests, which check the full HMAC against the vectors.
func (p *Pseudonymizer) tag(tag *[TagSize]byte, field, normalised string) {
	sum := p.mac(field, normalised)
	copy(tag[:], sum[:TagSize])
}

func (p *Pseudonymizer) mac(field, normalised string) [sha256.Size]byte {
	// The input is unambiguous because field cannot contain 0x00: the
	// first 0x00 after the label ends the field, the rest is the value.
	// A field with a NUL would let ("a\x00b", "c") collide with ("a", "b\x00c").
	// Fields are compile-time vocabulary names, so this is a programming error.
	if strings.IndexByte(field, 0) >= 0 {
		panic("keys: pseudonym field name contains a NUL byte")
	}
	s := p.states.Get().(*hmacState)
	s.mac.Reset()
	in := append(s.in[:0], pseudonymLabel...)
	in = append(in, 0)
	in = append(in, field...)
	in = append(in, 0)
	in = append(in, normalised...)
	s.mac.Write(in)
	sum := [sha256.Size]byte(s.mac.Sum(s.sum[:0]))
	if cap(in) <= maxPooledInput {
		s.in = in
	} else {
		s.in = nil
	}
	p.states.Put(s)
	return sum
}

// appendPseudonymText appends "v" ‖ decimal(v) ‖ "." ‖ base32(tag).
func appendPseudonymText(dst []byte, v Version, tag *[TagSize]byte) []byte {
	dst = append(dst, 'v')
	dst = strconv.AppendUint(dst, uint64(v), 10)
	dst = append(dst, '.')
	return tagEncoding.AppendEncode(dst, tag[:])
}

// ParsePseudonym splits a pseudonym into its key version and 16-byte tag.
// It accepts exactly the strings [Pseudonymizer.Pseudonym] produces: the
// version in decimal without leading zeros, and the tag as 26 lowercase base32
// characters whose unused final bits are zero. Every pseudonym thus has one
// spelling, so pseudonyms can be compared as strings.
func ParsePseudonym(s string) (Version, [TagSize]byte, error) {
	var tag [TagSize]byte
	rest, ok := strings.CutPrefix(s, "v")
	if !ok {
		return 0, tag, ErrMalformedPseudonym
	}
	digits, text, ok := strings.Cut(rest, ".")
	if !ok || len(digits) == 0 || len(digits) > 10 || digits[0] == '0' || len(text) != tagTextLen {
		return 0, tag, ErrMalformedPseudonym
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, tag, ErrMalformedPseudonym // ParseUint would also take "+"
		}
	}
	v, err := strconv.ParseUint(digits, 10, 32)
	if err != nil {
		return 0, tag, ErrMalformedPseudonym
	}
	n, err := tagEncoding.Decode(tag[:], []byte(text))
	if err != nil || n != TagSize {
		return 0, tag, ErrMalformedPseudonym
	}
	// base32 decoding ignores the final character's unused low bits and
	// skips newlines; re-encoding rejects every non-canonical spelling.
	var check [tagTextLen]byte
	tagEncoding.Encode(check[:], tag[:])
	if string(check[:]) != text {
		return 0, [TagSize]byte{}, ErrMalformedPseudonym
	}
	return Version(v), tag, nil
}

// String returns a description without key material.
func (p *Pseudonymizer) String() string {
	return fmt.Sprintf("keys.Pseudonymizer(v%d, key redacted)", p.version)
}

// GoString returns a description without key material.
func (p *Pseudonymizer) GoString() string { return p.String() }

// Format writes a description without key material for every verb.
func (p *Pseudonymizer) Format(f fmt.State, verb rune) { io.WriteString(f, p.String()) }

// LogValue describes the pseudonymizer for log/slog without key material.
func (p *Pseudonymizer) LogValue() slog.Value {
	return slog.GroupValue(slog.Uint64("version", uint64(p.version)))
}
