package keys

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrapUnwrapRoundTrip(t *testing.T) {
	kek := testKEK(t, 1)
	for _, n := range []int{0, 1, 32, 1000} {
		plain := bytes.Repeat([]byte{0xab}, n)
		aad := []byte("aad")
		w, err := kek.Wrap(plain, aad, testRand(2))
		if err != nil {
			t.Fatal(err)
		}
		if len(w) != 1+nonceSize+n+gcmTagSize || w[0] != wrapFormatV1 {
			t.Fatalf("wrapped length %d or format byte %#x wrong", len(w), w[0])
		}
		if n >= 8 && bytes.Contains(w, plain[:8]) {
			t.Fatal("plaintext visible in wrapped output")
		}
		got, err := kek.Unwrap(w, aad)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("round trip of %d bytes changed the data", n)
		}
	}
}

func TestWrapUsesFreshNonces(t *testing.T) {
	kek := testKEK(t, 1)
	rnd := testRand(2)
	a, _ := kek.Wrap([]byte("same"), nil, rnd)
	b, _ := kek.Wrap([]byte("same"), nil, rnd)
	if bytes.Equal(a, b) {
		t.Fatal("two wraps of the same plaintext are identical: nonce reused")
	}
}

func TestUnwrapFailures(t *testing.T) {
	kek := testKEK(t, 1)
	aad := keyAAD("registry-a", 1)
	w, err := kek.Wrap(bytes.Repeat([]byte{7}, 32), aad, testRand(2))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("wrong KEK", func(t *testing.T) {
		if _, err := testKEK(t, 9).Unwrap(w, aad); !errors.Is(err, ErrUnwrap) {
			t.Fatalf("got %v, want ErrUnwrap", err)
		}
	})
	t.Run("tampered", func(t *testing.T) {
		for i := range w {
			bad := bytes.Clone(w)
			bad[i] ^= 0x01
			if _, err := kek.Unwrap(bad, aad); err != ErrUnwrap {
				t.Fatalf("flipping byte %d: got %v, want ErrUnwrap", i, err)
			}
		}
	})
	t.Run("truncated", func(t *testing.T) {
		for n := range len(w) {
			if _, err := kek.Unwrap(w[:n], aad); err != ErrUnwrap {
				t.Fatalf("truncated to %d: got %v, want ErrUnwrap", n, err)
			}
		}
	})
	t.Run("other domain", func(t *testing.T) {
		if _, err := kek.Unwrap(w, keyAAD("registry-b", 1)); err != ErrUnwrap {
			t.Fatalf("got %v, want ErrUnwrap", err)
		}
	})
	t.Run("other version", func(t *testing.T) {
		if _, err := kek.Unwrap(w, keyAAD("registry-a", 2)); err != ErrUnwrap {
			t.Fatalf("got %v, want ErrUnwrap", err)
		}
	})
}

func TestKeyAADLayout(t *testing.T) {
	got := keyAAD("dom", 0x01020304)
	want := []byte("ttp/v1 key\x00dom\x00\x01\x02\x03\x04")
	if !bytes.Equal(got, want) {
		t.Fatalf("keyAAD = %q, want %q", got, want)
	}
}

func TestNewKEKCopiesAndChecksLength(t *testing.T) {
	b := bytes.Repeat([]byte{1}, 32)
	k, err := NewKEK(b)
	if err != nil {
		t.Fatal(err)
	}
	b[0] = 2
	if k.key.bytes()[0] != 1 {
		t.Fatal("NewKEK did not copy its input")
	}
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewKEK(make([]byte, n)); err == nil {
			t.Errorf("NewKEK accepted %d bytes", n)
		}
	}
}

// The expected value was computed with
//
//	openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:0001…1f \
//	    -kdfopt 'info:ttp/v1 store encryption' HKDF
func TestDeriveStoreKey(t *testing.T) {
	kek, err := NewKEK(mustHex(t, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"))
	if err != nil {
		t.Fatal(err)
	}
	want := "c567af74e5065922215f15f8ef951727f26318894d1a7c75449af221b5d52cc4"
	if got := hex.EncodeToString(kek.DeriveStoreKey()); got != want {
		t.Fatalf("DeriveStoreKey = %s, want %s", got, want)
	}
}

func TestKEKFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kek")
	if err := WriteNewKEKFile(path, testRand(3)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("new KEK file has mode %04o, want 0600", perm)
	}
	content, _ := os.ReadFile(path)
	if len(content) != 65 || content[64] != '\n' {
		t.Fatalf("KEK file is not 64 hex characters and a newline (%d bytes)", len(content))
	}
	kek, err := LoadKEKFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(kek.key.bytes()[:]) != string(content[:64]) {
		t.Fatal("loaded KEK differs from the one written")
	}
	// A second KEK must never replace the first.
	if err := WriteNewKEKFile(path, testRand(4)); err == nil {
		t.Fatal("WriteNewKEKFile overwrote an existing file")
	}
	again, _ := os.ReadFile(path)
	if !bytes.Equal(again, content) {
		t.Fatal("existing KEK file was modified")
	}
}

func TestWriteNewKEKFileFailingRand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kek")
	if err := WriteNewKEKFile(path, bytes.NewReader(make([]byte, 10))); err == nil {
		t.Fatal("short randomness accepted")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("failed WriteNewKEKFile left a file behind")
	}
}

func TestLoadKEKFileRefusesLooseModes(t *testing.T) {
	const good = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o666, 0o601} {
		path := filepath.Join(t.TempDir(), "kek")
		if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadKEKFile(path)
		if err == nil {
			t.Fatalf("mode %04o accepted", mode)
		}
		if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "0600") {
			t.Errorf("mode %04o: error %q should name the path and mode 0600", mode, msg)
		}
		if strings.Contains(err.Error(), "0a0b0c") {
			t.Errorf("error echoes the key: %q", err)
		}
	}
	// Stricter than 0600 is fine.
	path := filepath.Join(t.TempDir(), "kek")
	os.WriteFile(path, []byte(good), 0o400)
	if _, err := LoadKEKFile(path); err != nil {
		t.Fatalf("mode 0400 refused: %v", err)
	}
}

func TestLoadKEKFileContent(t *testing.T) {
	const hex64 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	good := []string{
		hex64,
		hex64 + "\n",
		"  \n" + hex64 + "\r\n\t ",
		strings.ToUpper(hex64),
	}
	for _, c := range good {
		path := filepath.Join(t.TempDir(), "kek")
		os.WriteFile(path, []byte(c), 0o600)
		kek, err := LoadKEKFile(path)
		if err != nil {
			t.Fatalf("content %q refused: %v", c, err)
		}
		if hex.EncodeToString(kek.key.bytes()[:]) != hex64 {
			t.Fatalf("content %q loaded the wrong key", c)
		}
	}
	bad := []string{
		"",
		"\n",
		hex64[:62],
		hex64 + "00",
		hex64[:63] + "g",
		"secretsecretsecretsecretsecretsecretsecretsecretsecretsecretsecr", // 64 non-hex
		hex64[:32] + " " + hex64[32:],
		strings.Repeat("a", 10000),
	}
	for _, c := range bad {
		path := filepath.Join(t.TempDir(), "kek")
		os.WriteFile(path, []byte(c), 0o600)
		_, err := LoadKEKFile(path)
		if err == nil {
			t.Fatalf("content %q accepted", c)
		}
		msg := err.Error()
		if strings.Contains(msg, "secret") || strings.Contains(msg, "0a0b") || strings.Contains(msg, "'g'") {
			t.Errorf("error echoes the content: %q", msg)
		}
		if !strings.Contains(msg, path) {
			t.Errorf("error %q does not name the file", msg)
		}
	}
}

func TestLoadKEKFileMissingAndDirectory(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadKEKFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: got %v", err)
	}
	os.Chmod(dir, 0o700)
	if _, err := LoadKEKFile(dir); err == nil {
		t.Fatal("a directory was accepted as a KEK file")
	}
}
