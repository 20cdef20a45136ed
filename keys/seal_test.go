package keys

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

func sealedTestKeyring(t *testing.T, domain string, versions int) (*Keyring, *KEK, []byte) {
	t.Helper()
	r := mustKeyring(t, domain, 1)
	rnd := testRand(2)
	for i := 2; i <= versions; i++ {
		if _, err := r.Rotate(rnd, testNow.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	kek := testKEK(t, 1)
	sealed, err := r.Seal(kek, testRand(3))
	if err != nil {
		t.Fatal(err)
	}
	return r, kek, sealed
}

// entryOffsets returns where each version entry of a sealed keyring starts.
func entryOffsets(t *testing.T, sealed []byte) []int {
	t.Helper()
	off := len(sealMagic) + 1
	off += 1 + int(sealed[off])
	n := int(binary.BigEndian.Uint32(sealed[off:]))
	off += 4
	var offs []int
	for range n {
		offs = append(offs, off)
		wl := int(binary.BigEndian.Uint16(sealed[off+16:]))
		off += sealEntryMin + wl
	}
	if off != len(sealed) {
		t.Fatalf("entryOffsets: ended at %d of %d", off, len(sealed))
	}
	return offs
}

func TestSealOpenRoundTrip(t *testing.T) {
	r, kek, sealed := sealedTestKeyring(t, "registry-a", 3)
	got, err := OpenKeyring(kek, "registry-a", sealed)
	if err != nil {
		t.Fatal(err)
	}
	if got.Domain() != r.Domain() || got.Current() != 3 {
		t.Fatalf("opened %v, want domain %q current 3", got, r.Domain())
	}
	want, have := r.Versions(), got.Versions()
	if len(want) != len(have) {
		t.Fatalf("Versions = %v, want %v", have, want)
	}
	for i := range want {
		if want[i].Version != have[i].Version || !want[i].Created.Equal(have[i].Created) || want[i].Created != have[i].Created {
			t.Fatalf("version %d: got %v, want %v", i+1, have[i], want[i])
		}
	}
	for v := Version(1); v <= 3; v++ {
		a := mustPseudonymizer(t, r, v).Pseudonym("bsn", "123456782")
		b := mustPseudonymizer(t, got, v).Pseudonym("bsn", "123456782")
		if a != b {
			t.Fatalf("version %d: pseudonym %s after opening, %s before", v, b, a)
		}
	}
	// Sealing the opened keyring with the same nonces gives the same bytes.
	again, err := got.Seal(kek, testRand(3))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, sealed) {
		t.Fatal("seal of an opened keyring differs from the original")
	}
}

func TestSealHidesKeys(t *testing.T) {
	r, _, sealed := sealedTestKeyring(t, "registry-a", 2)
	for _, kv := range r.snapshot() {
		if bytes.Contains(sealed, kv.key.bytes()[:8]) {
			t.Fatal("sealed keyring contains key bytes")
		}
	}
}

func TestOpenKeyringWrongDomain(t *testing.T) {
	_, kek, sealed := sealedTestKeyring(t, "registry-a", 2)
	if _, err := OpenKeyring(kek, "registry-b", sealed); !errors.Is(err, ErrWrongDomain) {
		t.Fatalf("got %v, want ErrWrongDomain", err)
	}
}

func TestOpenKeyringWrongKEK(t *testing.T) {
	_, _, sealed := sealedTestKeyring(t, "registry-a", 2)
	if _, err := OpenKeyring(testKEK(t, 2), "registry-a", sealed); !errors.Is(err, ErrUnwrap) {
		t.Fatalf("got %v, want ErrUnwrap", err)
	}
}

// Rewriting the domain in the envelope must not let the keys be opened as
// another domain's: the AAD binds each wrapped key to its domain.
func TestOpenKeyringRenamedDomain(t *testing.T) {
	_, kek, sealed := sealedTestKeyring(t, "registry-a", 2)
	renamed := bytes.Replace(sealed, []byte("registry-a"), []byte("registry-b"), 1)
	if _, err := OpenKeyring(kek, "registry-b", renamed); !errors.Is(err, ErrUnwrap) {
		t.Fatalf("got %v, want ErrUnwrap", err)
	}
}

// Swapping two versions' wrapped keys (keeping the version numbers) must fail:
// the AAD binds each wrapped key to its version.
func TestOpenKeyringSwappedVersions(t *testing.T) {
	_, kek, sealed := sealedTestKeyring(t, "registry-a", 2)
	offs := entryOffsets(t, sealed)
	w1 := bytes.Clone(sealed[offs[0]+sealEntryMin : offs[1]])
	w2 := bytes.Clone(sealed[offs[1]+sealEntryMin:])
	swapped := bytes.Clone(sealed)
	copy(swapped[offs[0]+sealEntryMin:], w2)
	copy(swapped[offs[1]+sealEntryMin:], w1)
	if _, err := OpenKeyring(kek, "registry-a", swapped); !errors.Is(err, ErrUnwrap) {
		t.Fatalf("got %v, want ErrUnwrap", err)
	}
}

func TestOpenKeyringVersionsMustRunOneToN(t *testing.T) {
	_, kek, sealed := sealedTestKeyring(t, "registry-a", 3)
	offs := entryOffsets(t, sealed)

	renumbered := bytes.Clone(sealed)
	binary.BigEndian.PutUint32(renumbered[offs[1]:], 3) // 1, 3, 3
	if _, err := OpenKeyring(kek, "registry-a", renumbered); !errors.Is(err, ErrMalformedKeyring) {
		t.Fatalf("renumbered: got %v, want ErrMalformedKeyring", err)
	}

	// Dropping version 1 and claiming two versions: 2, 3 is not 1..n.
	header := offs[0] - 4
	dropped := append(bytes.Clone(sealed[:offs[0]]), sealed[offs[1]:]...)
	binary.BigEndian.PutUint32(dropped[header:], 2)
	if _, err := OpenKeyring(kek, "registry-a", dropped); !errors.Is(err, ErrMalformedKeyring) {
		t.Fatalf("dropped: got %v, want ErrMalformedKeyring", err)
	}

	// Dropping the newest version is detectable only by the count, which
	// then disagrees with the bytes present.
	if _, err := OpenKeyring(kek, "registry-a", sealed[:offs[2]]); err == nil {
		t.Fatal("truncated keyring opened")
	}
}

func TestOpenKeyringMalformed(t *testing.T) {
	_, kek, sealed := sealedTestKeyring(t, "registry-a", 2)
	for n := range len(sealed) {
		if _, err := OpenKeyring(kek, "registry-a", sealed[:n]); err == nil {
			t.Fatalf("prefix of %d bytes opened", n)
		}
	}
	if _, err := OpenKeyring(kek, "registry-a", append(bytes.Clone(sealed), 0)); !errors.Is(err, ErrMalformedKeyring) {
		t.Fatalf("trailing byte: got %v", err)
	}
	bad := bytes.Clone(sealed)
	bad[len(sealMagic)] = 2
	if _, err := OpenKeyring(kek, "registry-a", bad); !errors.Is(err, ErrMalformedKeyring) {
		t.Fatalf("format 2: got %v", err)
	}
	bad = bytes.Clone(sealed)
	bad[0] = 'x'
	if _, err := OpenKeyring(kek, "registry-a", bad); !errors.Is(err, ErrMalformedKeyring) {
		t.Fatalf("bad magic: got %v", err)
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x80
		r, err := OpenKeyring(kek, "registry-a", bad)
		if err == nil {
			// Only the created times are unauthenticated.
			vs := r.Versions()
			if vs[0].Created.Equal(testNow) && len(vs) == 2 && vs[1].Created.Equal(testNow.Add(2*time.Hour)) {
				t.Fatalf("flipping byte %d went unnoticed", i)
			}
		}
	}
}
