package seal

import (
	"errors"
	"strings"
	"testing"
)

// FuzzOpen feeds arbitrary strings to Open: it must never panic, must fail
// with one of the three documented errors unless the value is genuine, and
// the value it opens must be the canonical one Seal produced.
func FuzzOpen(f *testing.F) {
	keys := map[Suite]*PrivateKey{}
	info := Info("registry-a", "bsn")
	for _, s := range Suites {
		k := mustKey(f, s)
		keys[s] = k
		v, err := Seal(k.Public(), info, []byte(secretPseudonym))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(v, uint8(s))
		f.Add(v[:len(v)-3], uint8(s))
		f.Add(v+"A", uint8(s))
	}
	f.Add("", uint8(1))
	f.Add("s1.x25519.", uint8(1))
	f.Add("s1.mlkem768x25519.AAAA", uint8(2))
	f.Fuzz(func(t *testing.T, v string, which uint8) {
		k := keys[Suites[int(which)%len(Suites)]]
		pt, err := Open(k, info, v)
		if err != nil {
			if pt != nil {
				t.Fatal("plaintext returned with an error")
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrWrongSuite) && !errors.Is(err, ErrOpen) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		if string(pt) != secretPseudonym || !strings.HasPrefix(v, "s1."+k.Suite().String()+".") {
			t.Fatalf("opened a value that was never sealed")
		}
	})
}

// FuzzParsePublicKey: no panics, and every accepted key has exactly one
// spelling (its Encode form, up to surrounding whitespace).
func FuzzParsePublicKey(f *testing.F) {
	for _, s := range Suites {
		f.Add(mustKey(f, s).Public().Encode())
	}
	f.Add("ttp-recipient-pub-v1:x25519:")
	f.Add("ttp-recipient-pub-v1:x25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParsePublicKey(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedKey) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		if k.Encode() != strings.TrimSpace(s) {
			t.Fatalf("accepted a non-canonical spelling")
		}
		again, err := ParsePublicKey(k.Encode())
		if err != nil || !again.Equal(k) {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}

// FuzzParsePrivateKey: no panics, only ErrMalformedKey.
func FuzzParsePrivateKey(f *testing.F) {
	for _, s := range Suites {
		text, _ := mustKey(f, s).Encode()
		f.Add(text)
	}
	f.Add("ttp-recipient-priv-v1:x25519:")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParsePrivateKey(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedKey) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		v, err := Seal(k.Public(), nil, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := Open(k, nil, v); err != nil || string(pt) != "x" {
			t.Fatalf("parsed key does not open: %v", err)
		}
	})
}
