package keys

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrMalformedKeyring is returned by [OpenKeyring] for bytes that are not a
// well-formed sealed keyring.
var ErrMalformedKeyring = errors.New("keys: malformed sealed keyring")

// ErrWrongDomain is returned by [OpenKeyring] when the sealed keyring belongs
// to another domain than the caller asked for.
var ErrWrongDomain = errors.New("keys: sealed keyring belongs to another domain")

// The sealed format, all integers big endian:
//
//	magic          4 bytes  "ttpk"
//	format         1 byte   0x01
//	domain length  1 byte   1..255
//	domain         UTF-8, no NUL
//	count          4 bytes  n ≥ 1
//	n entries, for versions 1..n in order:
//	  version      4 bytes
//	  created      8 bytes  seconds since the Unix epoch (signed)
//	               4 bytes  nanoseconds, < 1e9
//	  wrapped len  2 bytes
//	  wrapped      KEK.Wrap(key, keyAAD(domain, version))
//
// A binary format with explicit lengths has exactly one reading of any byte
// string, which matters more here than being human-readable: the keys inside
// are opaque ciphertext anyway. The domain and version are bound to each
// wrapped key by the AAD, so moving a wrapped key fails to unwrap. The created
// times and the count are not authenticated; they are descriptive only, and
// the check that versions run 1..n rejects reordering.
const (
	sealMagic    = "ttpk"
	sealFormatV1 = 0x01

	// keyAADLabel starts the associated data of every wrapped version key.
	keyAADLabel = "ttp/v1 key"

	sealHeaderMin = len(sealMagic) + 1 + 1 + 1 + 4
	sealEntryMin  = 4 + 8 + 4 + 2
)

// keyAAD is the associated data that binds a wrapped key to its domain and
// version: "ttp/v1 key" ‖ 0x00 ‖ domain ‖ 0x00 ‖ version (4 bytes big endian).
func keyAAD(domain string, v Version) []byte {
	aad := make([]byte, 0, len(keyAADLabel)+1+len(domain)+1+4)
	aad = append(aad, keyAADLabel...)
	aad = append(aad, 0)
	aad = append(aad, domain...)
	aad = append(aad, 0)
	return binary.BigEndian.AppendUint32(aad, uint32(v))
}

// Seal returns the keyring in a form safe to store: every version key wrapped
// under kek (see [KEK.Wrap]), with the domain and the created times. rand
// supplies the wrapping nonces.
func (r *Keyring) Seal(kek *KEK, rand io.Reader) ([]byte, error) {
	versions := r.snapshot()
	out := make([]byte, 0, sealHeaderMin+len(r.domain)+len(versions)*(sealEntryMin+64))
	out = append(out, sealMagic...)
	out = append(out, sealFormatV1, byte(len(r.domain)))
	out = append(out, r.domain...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(versions)))
	for i, kv := range versions {
		v := Version(i + 1)
		wrapped, err := kek.Wrap(kv.key.bytes()[:], keyAAD(r.domain, v), rand)
		if err != nil {
			return nil, err
		}
		out = binary.BigEndian.AppendUint32(out, uint32(v))
		out = binary.BigEndian.AppendUint64(out, uint64(kv.created.Unix()))
		out = binary.BigEndian.AppendUint32(out, uint32(kv.created.Nanosecond()))
		out = binary.BigEndian.AppendUint16(out, uint16(len(wrapped)))
		out = append(out, wrapped...)
	}
	return out, nil
}

// OpenKeyring unseals a keyring made by [Keyring.Seal]. It fails with
// [ErrWrongDomain] if the keyring belongs to another domain, with an error
// wrapping [ErrUnwrap] if any key does not unwrap under kek, and with
// [ErrMalformedKeyring] if the bytes are not well formed or the versions are
// not exactly 1..n.
func OpenKeyring(kek *KEK, domain string, sealed []byte) (*Keyring, error) {
	d := decoder{b: sealed}
	if string(d.bytes(len(sealMagic))) != sealMagic {
		return nil, fmt.Errorf("%w: not a sealed keyring", ErrMalformedKeyring)
	}
	if format := d.uint8(); format != sealFormatV1 {
		return nil, fmt.Errorf("%w: unsupported format %d", ErrMalformedKeyring, format)
	}
	sealedDomain := string(d.bytes(int(d.uint8())))
	count := d.uint32()
	if d.short {
		return nil, fmt.Errorf("%w: truncated header", ErrMalformedKeyring)
	}
	if err := checkDomain(sealedDomain); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedKeyring, err)
	}
	if sealedDomain != domain {
		return nil, fmt.Errorf("%w: want %q, sealed for %q", ErrWrongDomain, domain, sealedDomain)
	}
	// Bound count by the bytes present before allocating for it.
	if count == 0 || uint64(count) > uint64(len(d.b))/sealEntryMin {
		return nil, fmt.Errorf("%w: bad version count", ErrMalformedKeyring)
	}

	r := &Keyring{domain: domain, versions: make([]*keyVersion, 0, count)}
	for i := range count {
		want := Version(i + 1)
		v := Version(d.uint32())
		sec, nsec := int64(d.uint64()), d.uint32()
		wrapped := d.bytes(int(d.uint16()))
		if d.short {
			return nil, fmt.Errorf("%w: truncated", ErrMalformedKeyring)
		}
		if v != want {
			return nil, fmt.Errorf("%w: found version %d where %d belongs", ErrMalformedKeyring, v, want)
		}
		if nsec >= 1e9 {
			return nil, fmt.Errorf("%w: bad created time of version %d", ErrMalformedKeyring, v)
		}
		plain, err := kek.Unwrap(wrapped, keyAAD(domain, v))
		if err != nil {
			return nil, fmt.Errorf("keys: version %d of domain %q: %w", v, domain, err)
		}
		if len(plain) != keySize {
			clear(plain)
			return nil, fmt.Errorf("%w: key of version %d has the wrong length", ErrMalformedKeyring, v)
		}
		key := new([keySize]byte)
		copy(key[:], plain)
		clear(plain)
		r.versions = append(r.versions, newKeyVersion(v, key, time.Unix(sec, int64(nsec))))
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: trailing bytes", ErrMalformedKeyring)
	}
	return r, nil
}

// decoder reads big-endian fields from a byte slice. Once a read runs past
// the end, short is set and every later read returns zeros, so callers can
// check once after a group of reads.
type decoder struct {
	b     []byte
	short bool
}

func (d *decoder) bytes(n int) []byte {
	if d.short || n > len(d.b) {
		d.short = true
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) uint8() uint8 {
	if b := d.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) uint16() uint16 {
	if b := d.bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (d *decoder) uint32() uint32 {
	if b := d.bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) uint64() uint64 {
	if b := d.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}
