package keys

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// encodings returns spellings of key that must never appear in output.
func encodings(key []byte) []string {
	var decimal []string
	for _, b := range key[:8] {
		decimal = append(decimal, fmt.Sprint(b))
	}
	return []string{
		hex.EncodeToString(key[:8]),
		strings.ToUpper(hex.EncodeToString(key[:8])),
		base64.StdEncoding.EncodeToString(key)[:10],
		base64.RawURLEncoding.EncodeToString(key)[:10],
		base32.StdEncoding.EncodeToString(key)[:10],
		strings.Join(decimal, " "), // %v of a byte array
		strings.Join(decimal, ", "),
		fmt.Sprintf("%#x", key[0]) + ", " + fmt.Sprintf("%#x", key[1]), // %#v of a byte array
		string(key[:8]),
	}
}

func TestNoKeyMaterialInOutput(t *testing.T) {
	kek := testKEK(t, 0x11)
	r := mustKeyring(t, "registry-a", 1)
	r.Rotate(testRand(2), testNow)
	p := mustPseudonymizer(t, r, 2)
	pc, err := r.PersonCipher(2)
	if err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	for _, v := range []any{kek, *kek, r, p, []any{kek, r}, struct{ K *KEK }{kek}, struct{ k KEK }{*kek},
		struct{ k *KEK }{kek}, struct{ r *Keyring }{r}, struct{ p *Pseudonymizer }{p}, pc, struct{ c *PersonCipher }{pc}} {
		fmt.Fprintf(&out, "%v %+v %#v %s %q %x %X %d %o %b\n", v, v, v, v, v, v, v, v, v, v)
	}
	fmt.Fprintln(&out, kek, r, p, pc)
	for _, h := range []slog.Handler{slog.NewTextHandler(&out, nil), slog.NewJSONHandler(&out, nil)} {
		slog.New(h).Info("keys", "kek", kek, "kekvalue", *kek, "ring", r, "p", p, "pc", pc)
	}
	j, _ := json.Marshal(map[string]any{"kek": kek, "ring": r, "p": p})
	out.Write(j)

	secrets := [][]byte{kek.key.bytes()[:]}
	for _, kv := range r.snapshot() {
		sub, err := hkdf.Key(sha256.New, kv.key.bytes()[:], nil, personCipherInfo, 32)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, kv.key.bytes()[:], sub)
	}
	for _, key := range secrets {
		for _, enc := range encodings(key) {
			if strings.Contains(out.String(), enc) {
				t.Fatalf("output contains key material %q:\n%s", enc, out.String())
			}
		}
	}
	for _, want := range []string{"keys.KEK(redacted)", `domain="registry-a"`, "keys.Pseudonymizer(v2", "keys.PersonCipher(v2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	t.Log(out.String())
}

// The check above must be able to fail: printing raw key bytes is caught.
func TestEncodingsCatchRawPrinting(t *testing.T) {
	key := testKEK(t, 0x11).key.bytes()[:]
	for _, s := range []string{fmt.Sprintf("%x", key), fmt.Sprintf("%v", key), fmt.Sprintf("%#v", key), base64.StdEncoding.EncodeToString(key)} {
		found := false
		for _, enc := range encodings(key) {
			found = found || strings.Contains(s, enc)
		}
		if !found {
			t.Errorf("encodings miss %q", s)
		}
	}
}
