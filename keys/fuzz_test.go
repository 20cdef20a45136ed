package keys

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzOpenKeyring feeds arbitrary bytes to OpenKeyring: it must return an
// error or a keyring that seals and reopens to the same thing, never panic.
func FuzzOpenKeyring(f *testing.F) {
	kek := testKEK(f, 1)
	r := mustKeyring(f, "registry-a", 1)
	r.Rotate(testRand(2), testNow.Add(time.Hour))
	sealed, err := r.Seal(kek, testRand(3))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add(sealed[:len(sealed)-1])
	f.Add(sealed[:20])
	f.Add([]byte{})
	f.Add([]byte("ttpk\x01\x0aregistry-a\xff\xff\xff\xff"))

	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := OpenKeyring(kek, "registry-a", data)
		if err != nil {
			if got != nil {
				t.Fatal("keyring returned with an error")
			}
			return
		}
		again, err := got.Seal(kek, testRand(4))
		if err != nil {
			t.Fatal(err)
		}
		reopened, err := OpenKeyring(kek, "registry-a", again)
		if err != nil {
			t.Fatalf("resealed keyring does not open: %v", err)
		}
		if reopened.Current() != got.Current() {
			t.Fatal("reseal changed the versions")
		}
	})
}

// FuzzParsePseudonym checks that ParsePseudonym accepts exactly the canonical
// spellings: whatever it accepts must format back to the same string.
func FuzzParsePseudonym(f *testing.F) {
	f.Add("v1.vbe3q7kzm5oosyro6ymc5ckpcy")
	f.Add("v4294967295.nvu76poz4g7ufhaaq3oqyxbooq")
	f.Add("v1.vbe3q7kzm5oosyro6ymc5ckpcz")
	f.Add("v01.vbe3q7kzm5oosyro6ymc5ckpcy")
	f.Add("v1.VBE3Q7KZM5OOSYRO6YMC5CKPCY")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		v, tag, err := ParsePseudonym(s)
		if err != nil {
			if err != ErrMalformedPseudonym {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if back := string(appendPseudonymText(nil, v, &tag)); back != s {
			t.Fatalf("ParsePseudonym accepted %q, which formats as %q", s, back)
		}
	})
}

// FuzzLoadKEK writes arbitrary content to a 0600 file. LoadKEKFile must
// either load exactly the hex key in it, or fail with the one fixed message
// that says nothing about the content.
func FuzzLoadKEK(f *testing.F) {
	const hex64 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	f.Add([]byte(hex64))
	f.Add([]byte(hex64 + "\n"))
	f.Add([]byte(" " + strings.ToUpper(hex64) + "\r\n"))
	f.Add([]byte(hex64[:63] + "z"))
	f.Add([]byte(""))
	f.Add(bytes.Repeat([]byte("ab"), 2000))
	dir := f.TempDir()
	path := filepath.Join(dir, "kek")
	_, wantErr := parseKEKFile(path, nil)

	f.Fuzz(func(t *testing.T, content []byte) {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		kek, err := LoadKEKFile(path)
		if err != nil {
			if err.Error() != wantErr.Error() {
				t.Fatalf("error %q differs from the fixed message %q", err, wantErr)
			}
			return
		}
		trimmed := strings.ToLower(string(bytes.TrimSpace(content)))
		if hex.EncodeToString(kek.key.bytes()[:]) != trimmed {
			t.Fatalf("loaded a key that is not the file's content")
		}
	})
}
