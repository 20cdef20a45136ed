package keys

import (
	"errors"
	"strings"
	"testing"
)

func TestPseudonymShape(t *testing.T) {
	p := mustPseudonymizer(t, mustKeyring(t, "registry-a", 1), 1)
	s := p.Pseudonym("bsn", "123456782")
	if len(s) != len("v1.")+tagTextLen || !strings.HasPrefix(s, "v1.") || strings.ToLower(s) != s {
		t.Fatalf("pseudonym %q does not look like v1.<26 lowercase base32>", s)
	}
	if p.Version() != 1 {
		t.Fatalf("Version = %d", p.Version())
	}
	if got := string(p.AppendPseudonym([]byte("x="), "bsn", "123456782")); got != "x="+s {
		t.Fatalf("AppendPseudonym = %q, want %q", got, "x="+s)
	}
}

// The field is part of the input: one value in two fields gives unrelated
// pseudonyms. So is the separator: moving bytes between field and value
// changes the result.
func TestPseudonymInputSeparation(t *testing.T) {
	p := mustPseudonymizer(t, mustKeyring(t, "registry-a", 1), 1)
	seen := map[string]string{}
	for _, in := range [][2]string{
		{"family_name", "berg"},
		{"given_names", "berg"},
		{"family_name", "bergx"},
		{"family_namex", "berg"},
		{"family_nam", "eberg"},
		{"family_name", ""},
		{"", "family_name"},
		{"bsn", "123456782"},
		{"bsn", "123456782 "},
	} {
		s := p.Pseudonym(in[0], in[1])
		if prev, ok := seen[s]; ok {
			t.Fatalf("%q and %s collide", in, prev)
		}
		seen[s] = strings.Join(in[:], "/")
	}
}

func TestPseudonymNULFieldPanics(t *testing.T) {
	p := mustPseudonymizer(t, mustKeyring(t, "registry-a", 1), 1)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a field containing NUL")
		}
	}()
	p.Pseudonym("a\x00b", "c")
}

func TestPseudonymValuesMayContainAnyBytes(t *testing.T) {
	p := mustPseudonymizer(t, mustKeyring(t, "registry-a", 1), 1)
	a := p.Pseudonym("family_name", "a\x00b")
	b := p.Pseudonym("family_name", "a\x00c")
	if a == b {
		t.Fatal("values differing after a NUL collide")
	}
	// A long value goes through the pool without being retained.
	long := strings.Repeat("x", 10*maxPooledInput)
	if p.Pseudonym("family_name", long) != p.Pseudonym("family_name", long) {
		t.Fatal("long value not deterministic")
	}
}

func TestAppendPseudonymDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	p := mustPseudonymizer(t, mustKeyring(t, "registry-a", 1), 1)
	buf := make([]byte, 0, 64)
	p.AppendPseudonym(buf, "bsn", "123456782") // warm the pool
	allocs := testing.AllocsPerRun(1000, func() {
		buf = p.AppendPseudonym(buf[:0], "bsn", "123456782")
	})
	// A GC emptying the pool may cost the odd allocation.
	if allocs > 0.1 {
		t.Fatalf("AppendPseudonym allocates %.2f times per call", allocs)
	}
}

func TestParsePseudonym(t *testing.T) {
	var tag [TagSize]byte
	for i := range tag {
		tag[i] = byte(i * 17)
	}
	for _, v := range []Version{1, 2, 10, 4294967295} {
		s := string(appendPseudonymText(nil, v, &tag))
		gv, gt, err := ParsePseudonym(s)
		if err != nil || gv != v || gt != tag {
			t.Fatalf("ParsePseudonym(%q) = %d, %x, %v", s, gv, gt, err)
		}
	}

	good := string(appendPseudonymText(nil, 1, &tag)) // v1.aaisem2ekvthpcezvk54zxpo74
	last := good[len(good)-1]
	bad := []string{
		"",
		"v",
		"v1",
		"v1.",
		"1." + good[3:],
		"V1." + good[3:],
		"v0." + good[3:],
		"v01." + good[3:],
		"v+1." + good[3:],
		"v-1." + good[3:],
		"v4294967296." + good[3:],
		"v99999999999." + good[3:],
		"v1:" + good[3:],
		"v1.." + good[3:],
		strings.ToUpper(good),
		"v1." + strings.ToUpper(good[3:]),
		good + "a",
		good[:len(good)-1],
		good + "=",
		good[:len(good)-1] + "=",
		good[:10] + "\n" + good[11:],
		good[:10] + "1" + good[11:],         // not in the alphabet
		good[:len(good)-1] + string(last+1), // "…75": same bytes, non-zero unused bits
		" " + good,
		good + " ",
	}
	for _, s := range bad {
		if _, _, err := ParsePseudonym(s); !errors.Is(err, ErrMalformedPseudonym) {
			t.Errorf("ParsePseudonym(%q) = %v, want ErrMalformedPseudonym", s, err)
		}
	}
}

func TestParsePseudonymErrorDoesNotEchoInput(t *testing.T) {
	_, _, err := ParsePseudonym("v1.secretsecretsecretsecret!")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("error %v echoes its input", err)
	}
}
