package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustKey(t testing.TB, s Suite) *PrivateKey {
	t.Helper()
	k, err := GenerateKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const secretPseudonym = "v1.vbe3q7kzm5oosyro6ymc5ckpcy"

func TestRoundTrip(t *testing.T) {
	for _, s := range Suites {
		t.Run(s.String(), func(t *testing.T) {
			k := mustKey(t, s)
			info := Info("registry-a", "bsn")
			for _, pt := range []string{secretPseudonym, "", strings.Repeat("x", MaxPlaintext)} {
				v, err := Seal(k.Public(), info, []byte(pt))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(v, "s1."+s.String()+".") || strings.ContainsAny(v, ",\"\r\n ") {
					t.Fatalf("sealed value %.40q… is not a plain CSV cell", v)
				}
				got, err := Open(k, info, v)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != pt {
					t.Fatalf("opened %q, sealed %q", got, pt)
				}
			}
			a, _ := Seal(k.Public(), info, []byte(secretPseudonym))
			b, _ := Seal(k.Public(), info, []byte(secretPseudonym))
			if a == b {
				t.Fatal("sealing twice gives the same value")
			}
			if _, err := Seal(k.Public(), info, make([]byte, MaxPlaintext+1)); !errors.Is(err, ErrTooLong) {
				t.Fatalf("long plaintext: %v", err)
			}
		})
	}
}

func TestSizes(t *testing.T) {
	for s, want := range map[Suite][2]int{X25519: {32, 32}, MLKEM768X25519: {1216, 1120}} {
		k := mustKey(t, s)
		if n := len(k.Public().k.Bytes()); n != want[0] {
			t.Errorf("%s: public key %d bytes, want %d", s, n, want[0])
		}
		v, _ := Seal(k.Public(), nil, []byte(secretPseudonym))
		b, _ := base64.RawURLEncoding.DecodeString(v[strings.LastIndexByte(v, '.')+1:])
		if n := len(b) - len(secretPseudonym) - 16; n != want[1] {
			t.Errorf("%s: encapsulation %d bytes, want %d", s, n, want[1])
		}
		t.Logf("%s: sealed pseudonym is %d characters", s, len(v))
	}
}

func TestOpenFailures(t *testing.T) {
	for _, s := range Suites {
		t.Run(s.String(), func(t *testing.T) {
			k := mustKey(t, s)
			info := Info("registry-a", "bsn")
			v, err := Seal(k.Public(), info, []byte(secretPseudonym))
			if err != nil {
				t.Fatal(err)
			}
			check := func(name string, err, want error) {
				t.Helper()
				if !errors.Is(err, want) {
					t.Errorf("%s: %v, want %v", name, err, want)
				}
				if err != nil && strings.Contains(err.Error(), secretPseudonym) {
					t.Errorf("%s: error repeats the plaintext", name)
				}
			}

			_, err = Open(mustKey(t, s), info, v)
			check("other private key", err, ErrOpen)
			other := X25519
			if s == X25519 {
				other = MLKEM768X25519
			}
			_, err = Open(mustKey(t, other), info, v)
			check("other suite", err, ErrWrongSuite)
			_, err = Open(k, Info("registry-a", "postcode"), v)
			check("other column", err, ErrOpen)
			_, err = Open(k, Info("registry-b", "bsn"), v)
			check("other domain", err, ErrOpen)

			// Tamper with the encapsulation, the ciphertext and the tag.
			prefix := v[:strings.LastIndexByte(v, '.')+1]
			raw, err := base64.RawURLEncoding.DecodeString(v[len(prefix):])
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range []int{0, len(raw) / 2, len(raw) - len(secretPseudonym) - 17, len(raw) - 17, len(raw) - 1} {
				bad := bytes.Clone(raw)
				bad[i] ^= 0x01
				_, err = Open(k, info, prefix+base64.RawURLEncoding.EncodeToString(bad))
				check(fmt.Sprintf("byte %d flipped", i), err, ErrOpen)
			}
			_, err = Open(k, info, prefix+base64.RawURLEncoding.EncodeToString(append(bytes.Clone(raw), 0)))
			check("byte appended", err, ErrOpen)
			_, err = Open(k, info, prefix+base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]))
			check("byte removed", err, ErrOpen)

			for name, m := range map[string]string{
				"empty":          "",
				"plain":          secretPseudonym,
				"no suite":       "s1." + v[len(prefix):],
				"unknown suite":  "s1.rsa." + v[len(prefix):],
				"other version":  "s2" + v[2:],
				"uppercase":      strings.ToUpper(v[:3]) + v[3:],
				"padding":        v + "=",
				"newline":        v[:len(prefix)+4] + "\n" + v[len(prefix)+4:],
				"space":          " " + v,
				"std base64":     prefix + base64.StdEncoding.EncodeToString(raw),
				"too short":      prefix + base64.RawURLEncoding.EncodeToString(raw[:20]),
				"just prefix":    prefix,
				"huge":           prefix + strings.Repeat("A", maxSealedLen),
				"invalid base64": prefix + "!!!!",
			} {
				_, err = Open(k, info, m)
				check(name, err, ErrMalformed)
			}
			// A non-canonical final character (unused low bits set).
			last := v[len(v)-1]
			idx := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", last)
			if len(raw)%3 != 0 {
				nc := v[:len(v)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[idx|1])
				if nc != v {
					_, err = Open(k, info, nc)
					check("non-canonical base64", err, ErrMalformed)
				}
			}
			if _, err := Open(k, info, v); err != nil {
				t.Fatalf("the original no longer opens: %v", err)
			}
		})
	}
}

func TestKeyText(t *testing.T) {
	for _, s := range Suites {
		k := mustKey(t, s)
		pubText := k.Public().Encode()
		if !strings.HasPrefix(pubText, "ttp-recipient-pub-v1:"+s.String()+":") {
			t.Fatalf("public key text %.40q…", pubText)
		}
		pub, err := ParsePublicKey(pubText + "\n")
		if err != nil {
			t.Fatal(err)
		}
		if !pub.Equal(k.Public()) || pub.Suite() != s || pub.Fingerprint() != k.Public().Fingerprint() {
			t.Fatal("public key changed in a text round trip")
		}
		privText, err := k.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(privText, "ttp-recipient-priv-v1:"+s.String()+":") {
			t.Fatal("private key text has the wrong prefix")
		}
		priv, err := ParsePrivateKey(privText + "\n")
		if err != nil {
			t.Fatal(err)
		}
		if !priv.Public().Equal(k.Public()) {
			t.Fatal("private key changed in a text round trip")
		}
		v, _ := Seal(pub, nil, []byte(secretPseudonym))
		if got, err := Open(priv, nil, v); err != nil || string(got) != secretPseudonym {
			t.Fatalf("parsed keys do not work: %v", err)
		}
		// Keys of one kind are not keys of the other.
		if _, err := ParsePublicKey(privText); !errors.Is(err, ErrMalformedKey) {
			t.Errorf("private key parsed as public: %v", err)
		}
		if _, err := ParsePrivateKey(pubText); !errors.Is(err, ErrMalformedKey) {
			t.Errorf("public key parsed as private: %v", err)
		}
		data := privText[strings.LastIndexByte(privText, ':')+1:]
		for name, bad := range map[string]string{
			"empty":         "",
			"wrong suite":   "ttp-recipient-priv-v1:rsa:" + data,
			"no data":       "ttp-recipient-priv-v1:" + s.String() + ":",
			"short":         "ttp-recipient-priv-v1:" + s.String() + ":" + data[:20],
			"long":          "ttp-recipient-priv-v1:" + s.String() + ":" + data + "AAAA",
			"padded":        privText + "=",
			"inner newline": privText[:30] + "\n" + privText[30:],
			"v2":            strings.Replace(privText, "-v1:", "-v2:", 1),
		} {
			_, err := ParsePrivateKey(bad)
			if !errors.Is(err, ErrMalformedKey) {
				t.Errorf("%s: ParsePrivateKey: %v", name, err)
			} else if len(data) > 8 && strings.Contains(err.Error(), data[:8]) {
				t.Errorf("%s: error echoes the key", name)
			}
		}
	}
	for _, bad := range []string{
		"ttp-recipient-pub-v1:x25519:" + base64.RawURLEncoding.EncodeToString(make([]byte, 31)),
		"ttp-recipient-pub-v1:mlkem768x25519:" + base64.RawURLEncoding.EncodeToString(make([]byte, 32)),
		"ttp-recipient-pub-v1:mlkem768x25519:" + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 1216)),
	} {
		if _, err := ParsePublicKey(bad); !errors.Is(err, ErrMalformedKey) {
			t.Errorf("ParsePublicKey(%.50q…): %v", bad, err)
		}
	}
	if s, err := ParseSuite("mlkem768x25519"); err != nil || s != MLKEM768X25519 {
		t.Error("ParseSuite")
	}
	if _, err := ParseSuite("X25519"); err == nil {
		t.Error("suite names are case sensitive")
	}
	if _, err := GenerateKey(Suite(9)); err == nil {
		t.Error("GenerateKey(unknown suite) succeeded")
	}
}

func TestInfo(t *testing.T) {
	if got := string(Info("registry-a", "bsn")); got != "ttp/v1 seal\x00registry-a\x00bsn" {
		t.Fatalf("Info = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a NUL in a name")
		}
	}()
	Info("a\x00", "b")
}

func TestPrivateKeyRedacted(t *testing.T) {
	for _, s := range Suites {
		k := mustKey(t, s)
		text, _ := k.Encode()
		data := text[strings.LastIndexByte(text, ':')+1:]
		raw, _ := base64.RawURLEncoding.DecodeString(data)
		var out bytes.Buffer
		for _, v := range []any{k, *k, struct{ K *PrivateKey }{k}, struct{ k PrivateKey }{*k}} {
			fmt.Fprintf(&out, "%v %+v %#v %s %q %x %X %d\n", v, v, v, v, v, v, v, v)
		}
		slog.New(slog.NewJSONHandler(&out, nil)).Info("key", "k", k)
		slog.New(slog.NewTextHandler(&out, nil)).Info("key", "k", k)
		for _, enc := range []string{data[:12], fmt.Sprintf("%x", raw[:8]), fmt.Sprint(raw[:6])[1:12]} {
			if strings.Contains(out.String(), enc) {
				t.Fatalf("%s: output contains key material %q:\n%s", s, enc, out.String())
			}
		}
		if !strings.Contains(out.String(), "redacted") || !strings.Contains(out.String(), k.Public().Fingerprint()) {
			t.Fatalf("unexpected description:\n%s", out.String())
		}
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	k := mustKey(t, MLKEM768X25519)
	privPath, pubPath := filepath.Join(dir, "r.key"), filepath.Join(dir, "r.pub")
	if err := WritePrivateKeyFile(privPath, k); err != nil {
		t.Fatal(err)
	}
	if err := WritePublicKeyFile(pubPath, k.Public()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(privPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key file mode %v, %v", fi.Mode(), err)
	}
	if err := WritePrivateKeyFile(privPath, mustKey(t, X25519)); err == nil {
		t.Fatal("private key file overwritten")
	}
	priv, err := ReadPrivateKeyFile(privPath)
	if err != nil || !priv.Public().Equal(k.Public()) {
		t.Fatalf("ReadPrivateKeyFile: %v", err)
	}
	pub, err := ReadPublicKeyFile(pubPath)
	if err != nil || !pub.Equal(k.Public()) {
		t.Fatalf("ReadPublicKeyFile: %v", err)
	}
	if err := os.Chmod(privPath, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPrivateKeyFile(privPath); err == nil || !strings.Contains(err.Error(), "chmod 0600") {
		t.Fatalf("group-readable private key accepted: %v", err)
	}
	garbage := filepath.Join(dir, "garbage.key")
	os.WriteFile(garbage, []byte("ttp-recipient-priv-v1:x25519:SECRETSECRETSECRET"), 0o600)
	if _, err := ReadPrivateKeyFile(garbage); !errors.Is(err, ErrMalformedKey) || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("garbage key file: %v", err)
	}
}
