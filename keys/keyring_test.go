package keys

import (
	cryptorand "crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewKeyring(t *testing.T) {
	r := mustKeyring(t, "registry-a", 1)
	if r.Domain() != "registry-a" {
		t.Fatalf("Domain = %q", r.Domain())
	}
	if r.Current() != 1 {
		t.Fatalf("Current = %d, want 1", r.Current())
	}
	vs := r.Versions()
	if len(vs) != 1 || vs[0].Version != 1 || !vs[0].Created.Equal(testNow) {
		t.Fatalf("Versions = %v", vs)
	}
}

func TestNewKeyringRejectsBadDomains(t *testing.T) {
	for _, d := range []string{"", "a\x00b", "\xff", strings.Repeat("x", 256)} {
		if _, err := NewKeyring(d, testRand(1), testNow); err == nil {
			t.Errorf("domain %q accepted", d)
		}
	}
	if _, err := NewKeyring(strings.Repeat("x", 255), testRand(1), testNow); err != nil {
		t.Errorf("255-byte domain refused: %v", err)
	}
}

func TestNewKeyringShortRand(t *testing.T) {
	if _, err := NewKeyring("d", strings.NewReader("too short"), testNow); err == nil {
		t.Fatal("keyring created from 9 random bytes")
	}
}

func TestRotateKeepsOldVersions(t *testing.T) {
	r := mustKeyring(t, "registry-a", 1)
	p1 := mustPseudonymizer(t, r, 1)
	before := p1.Pseudonym("bsn", "123456782")

	later := testNow.Add(24 * time.Hour)
	v, err := r.Rotate(testRand(2), later)
	if err != nil {
		t.Fatal(err)
	}
	if v != 2 || r.Current() != 2 {
		t.Fatalf("Rotate = %d, Current = %d, want 2", v, r.Current())
	}
	vs := r.Versions()
	if len(vs) != 2 || vs[1].Version != 2 || !vs[1].Created.Equal(later) || !vs[0].Created.Equal(testNow) {
		t.Fatalf("Versions = %v", vs)
	}

	// The old version computes exactly what it did before the rotation,
	// through the old handle and through a new one.
	if got := p1.Pseudonym("bsn", "123456782"); got != before {
		t.Fatalf("old handle changed: %s, was %s", got, before)
	}
	if got := mustPseudonymizer(t, r, 1).Pseudonym("bsn", "123456782"); got != before {
		t.Fatalf("version 1 changed after rotation: %s, was %s", got, before)
	}
	after := mustPseudonymizer(t, r, 2).Pseudonym("bsn", "123456782")
	if !strings.HasPrefix(after, "v2.") || after[3:] == before[3:] {
		t.Fatalf("version 2 pseudonym %s should differ from %s in version and tag", after, before)
	}
}

func TestPseudonymizerUnknownVersion(t *testing.T) {
	r := mustKeyring(t, "registry-a", 1)
	for _, v := range []Version{0, 2, 1 << 31} {
		if _, err := r.Pseudonymizer(v); !errors.Is(err, ErrUnknownVersion) {
			t.Errorf("version %d: got %v, want ErrUnknownVersion", v, err)
		}
	}
}

func TestDomainsAreSeparated(t *testing.T) {
	// Same random stream, so any difference comes from the domain itself
	// would be a bug: keys are per domain because they are drawn per domain.
	a := mustKeyring(t, "registry-a", 1)
	b := mustKeyring(t, "registry-b", 2)
	pa := mustPseudonymizer(t, a, 1).Pseudonym("bsn", "123456782")
	pb := mustPseudonymizer(t, b, 1).Pseudonym("bsn", "123456782")
	if pa == pb {
		t.Fatalf("two domains gave the same pseudonym %s", pa)
	}
}

func TestVersionsIsACopy(t *testing.T) {
	r := mustKeyring(t, "registry-a", 1)
	vs := r.Versions()
	vs[0].Version = 99
	if r.Versions()[0].Version != 1 {
		t.Fatal("Versions exposed internal state")
	}
}

// Run with -race: the server computes pseudonyms while an operator rotates
// and the store seals.
func TestConcurrentPseudonymAndRotate(t *testing.T) {
	r := mustKeyring(t, "registry-a", 1)
	want := mustPseudonymizer(t, r, 1).Pseudonym("bsn", "123456782")
	kek := testKEK(t, 1)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 16)
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				p, err := r.Pseudonymizer(1)
				if err != nil {
					errs <- err
					return
				}
				if got := p.Pseudonym("bsn", "123456782"); got != want {
					errs <- errors.New("version 1 pseudonym changed during rotation: " + got)
					return
				}
				cur, err := r.Pseudonymizer(r.Current())
				if err != nil {
					errs <- err
					return
				}
				cur.Pseudonym("family_name", "van der berg")
				_ = r.Versions()
			}
		})
	}
	rnd := testRand(2)
	var mu sync.Mutex // rnd is not safe for concurrent use
	wg.Go(func() {
		for i := range 50 {
			mu.Lock()
			_, err := r.Rotate(rnd, testNow.Add(time.Duration(i)*time.Hour))
			mu.Unlock()
			if err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Go(func() {
		for range 20 {
			mu.Lock()
			_, err := r.Seal(kek, rnd)
			mu.Unlock()
			if err != nil {
				errs <- err
				return
			}
		}
	})
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if r.Current() != 51 {
		t.Fatalf("Current = %d after 50 rotations, want 51", r.Current())
	}
}

func TestDeriveSubkeyForServerUse(t *testing.T) {
	r, err := NewKeyring("linkage", cryptorand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.DeriveSubkeyForServerUse(1, "person index")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.DeriveSubkeyForServerUse(1, "person index")
	c, _ := r.DeriveSubkeyForServerUse(1, "other purpose")
	if len(a) != 32 || string(a) != string(b) || string(a) == string(c) {
		t.Fatal("subkeys must be 32 bytes, deterministic per purpose, distinct across purposes")
	}
	if _, err := r.DeriveSubkeyForServerUse(2, "person index"); err == nil {
		t.Fatal("a missing version must fail")
	}
}
