package keys

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sync"
	"time"
	"unicode/utf8"
)

// ErrUnknownVersion is returned for a key version the keyring does not hold.
var ErrUnknownVersion = errors.New("keys: unknown key version")

const (
	keySize = 32

	// maxDomainLen lets the sealed format store a domain's length in one
	// byte; real domain names are a few dozen bytes at most.
	maxDomainLen = 255
)

// A Version numbers the keys of one domain. Versions start at 1 and increase
// by one with every rotation; 0 is never a valid version.
type Version uint32

// VersionInfo describes one key version without exposing the key.
type VersionInfo struct {
	Version Version
	Created time.Time // in UTC, to the nanosecond, as passed to NewKeyring or Rotate
}

// A Keyring holds the pseudonym keys of one domain: one 32-byte random key per
// version. It is safe for concurrent use, so the server can keep computing
// pseudonyms while an operator rotates.
type Keyring struct {
	domain string

	mu sync.RWMutex
	// versions[i] is version i+1. Entries are immutable once added.
	versions []*keyVersion
}

// keyVersion is one version's key, created time, and the Pseudonymizer that
// uses it. Keeping one Pseudonymizer per version lets every caller share its
// pool of HMAC states.
type keyVersion struct {
	created time.Time
	key     secret
	p       *Pseudonymizer
	person  *PersonCipher
}

// NewKeyring returns a keyring for domain holding version 1, a fresh key from
// rand created at now.
func NewKeyring(domain string, rand io.Reader, now time.Time) (*Keyring, error) {
	if err := checkDomain(domain); err != nil {
		return nil, err
	}
	r := &Keyring{domain: domain}
	if _, err := r.Rotate(rand, now); err != nil {
		return nil, err
	}
	return r, nil
}

// checkDomain rejects names that would make the key-wrapping AAD (which
// separates fields by 0x00) or the sealed format ambiguous or unbounded.
func checkDomain(domain string) error {
	switch {
	case domain == "":
		return errors.New("keys: empty domain name")
	case len(domain) > maxDomainLen:
		return fmt.Errorf("keys: domain name longer than %d bytes", maxDomainLen)
	case !utf8.ValidString(domain):
		return errors.New("keys: domain name is not valid UTF-8")
	}
	for i := 0; i < len(domain); i++ {
		if domain[i] == 0 {
			return errors.New("keys: domain name contains a NUL byte")
		}
	}
	return nil
}

// Domain returns the domain whose keys the keyring holds.
func (r *Keyring) Domain() string { return r.domain }

// Rotate adds a version with a fresh key from rand, created at now, and makes
// it current. Earlier versions stay: their pseudonyms must remain verifiable.
func (r *Keyring) Rotate(rand io.Reader, now time.Time) (Version, error) {
	// Read the key outside the lock: rand may block, and readers must not.
	key := new([keySize]byte)
	if _, err := io.ReadFull(rand, key[:]); err != nil {
		return 0, fmt.Errorf("keys: generate key: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.versions) >= math.MaxUint32 {
		return 0, errors.New("keys: no key versions left")
	}
	v := Version(len(r.versions) + 1)
	r.versions = append(r.versions, newKeyVersion(v, key, now))
	return v, nil
}

func newKeyVersion(v Version, key *[keySize]byte, created time.Time) *keyVersion {
	// Round(0) drops the monotonic clock reading and UTC drops the location,
	// so a created time compares equal after a Seal/OpenKeyring round trip.
	return &keyVersion{
		created: created.Round(0).UTC(),
		key:     newSecret(key),
		p:       newPseudonymizer(v, key),
		person:  newPersonCipher(v, key),
	}
}

// Current returns the newest version, the one new pseudonyms should use.
func (r *Keyring) Current() Version {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return Version(len(r.versions))
}

// Versions describes every version, oldest first.
func (r *Keyring) Versions() []VersionInfo {
	r.mu.RLock()
	defer r.mu.RUnlock()
	infos := make([]VersionInfo, len(r.versions))
	for i, kv := range r.versions {
		infos[i] = VersionInfo{Version: Version(i + 1), Created: kv.created}
	}
	return infos
}

// Pseudonymizer returns the pseudonym function of version v. It fails with
// [ErrUnknownVersion] if the keyring has no such version.
func (r *Keyring) Pseudonymizer(v Version) (*Pseudonymizer, error) {
	kv, err := r.version(v)
	if err != nil {
		return nil, err
	}
	return kv.p, nil
}

func (r *Keyring) version(v Version) (*keyVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if v == 0 || uint64(v) > uint64(len(r.versions)) {
		return nil, fmt.Errorf("%w %d for domain %q", ErrUnknownVersion, v, r.domain)
	}
	return r.versions[v-1], nil
}

// snapshot returns the current versions; the entries are immutable, so the
// caller may use them without holding the lock.
func (r *Keyring) snapshot() []*keyVersion {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.versions[:len(r.versions):len(r.versions)]
}

// String returns a description without key material.
func (r *Keyring) String() string {
	return fmt.Sprintf("keys.Keyring(domain=%q, current=v%d, keys redacted)", r.domain, r.Current())
}

// GoString returns a description without key material.
func (r *Keyring) GoString() string { return r.String() }

// Format writes a description without key material for every verb.
func (r *Keyring) Format(f fmt.State, verb rune) { io.WriteString(f, r.String()) }

// LogValue describes the keyring for log/slog without key material.
func (r *Keyring) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("domain", r.domain),
		slog.Uint64("current", uint64(r.Current())),
	)
}
