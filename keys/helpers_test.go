package keys

import (
	"bytes"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// testRand returns a deterministic byte stream, so test keys and nonces are
// reproducible. Never use anything like it outside tests.
func testRand(seed byte) io.Reader {
	return rand.NewChaCha8([32]byte{seed})
}

var testNow = time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC)

func testKEK(t testing.TB, seed byte) *KEK {
	t.Helper()
	b := bytes.Repeat([]byte{seed}, kekSize)
	b[0] ^= 0x5a
	k, err := NewKEK(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustKeyring(t testing.TB, domain string, seed byte) *Keyring {
	t.Helper()
	r, err := NewKeyring(domain, testRand(seed), testNow)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustPseudonymizer(t testing.TB, r *Keyring, v Version) *Pseudonymizer {
	t.Helper()
	p, err := r.Pseudonymizer(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
