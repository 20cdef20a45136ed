package keys

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The vectors in testdata/vectors/pseudonyms.json are the compatibility
// promise of docs/pseudonyms.md. They were generated once and are compared,
// never regenerated: a change here means pseudonyms changed.
const (
	vectorsFile = "../testdata/vectors/pseudonyms.json"
	specFile    = "../docs/pseudonyms.md"
)

type vector struct {
	Comment   string  `json:"comment"`
	KeyHex    string  `json:"key_hex"`
	Version   Version `json:"version"`
	Field     string  `json:"field"`
	Value     string  `json:"value"`
	HMACHex   string  `json:"hmac_hex"`
	Pseudonym string  `json:"pseudonym"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	data, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var vs []vector
	if err := dec.Decode(&vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 8 {
		t.Fatalf("only %d vectors", len(vs))
	}
	return vs
}

func vectorPseudonymizer(t *testing.T, v vector) *Pseudonymizer {
	t.Helper()
	key := mustHex(t, v.KeyHex)
	if len(key) != keySize {
		t.Fatalf("vector key is %d bytes", len(key))
	}
	return newPseudonymizer(v.Version, (*[keySize]byte)(key))
}

func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Field+"/"+v.Value, func(t *testing.T) {
			// An HMAC computed the plain way, spelling out the input
			// layout, must match the file ...
			m := hmac.New(sha256.New, mustHex(t, v.KeyHex))
			m.Write([]byte("ttp/v1\x00" + v.Field + "\x00" + v.Value))
			if got := hex.EncodeToString(m.Sum(nil)); got != v.HMACHex {
				t.Fatalf("plain HMAC = %s, file says %s", got, v.HMACHex)
			}
			// ... and so must the package.
			p := vectorPseudonymizer(t, v)
			sum := p.mac(v.Field, v.Value)
			if got := hex.EncodeToString(sum[:]); got != v.HMACHex {
				t.Fatalf("package HMAC = %s, file says %s", got, v.HMACHex)
			}
			if got := p.Pseudonym(v.Field, v.Value); got != v.Pseudonym {
				t.Fatalf("Pseudonym = %s, file says %s", got, v.Pseudonym)
			}
			if got := string(p.AppendPseudonym(nil, v.Field, v.Value)); got != v.Pseudonym {
				t.Fatalf("AppendPseudonym = %s, file says %s", got, v.Pseudonym)
			}
			ver, tag, err := ParsePseudonym(v.Pseudonym)
			if err != nil || ver != v.Version || hex.EncodeToString(tag[:]) != v.HMACHex[:2*TagSize] {
				t.Fatalf("ParsePseudonym = %d, %x, %v", ver, tag, err)
			}
		})
	}
}

// A keyring built from the vector key through the public API gives the
// vector's pseudonym, so the internal constructor used above is faithful.
func TestVectorThroughKeyring(t *testing.T) {
	v := loadVectors(t)[0]
	if v.Version != 1 {
		t.Fatal("first vector must be version 1")
	}
	r, err := NewKeyring("vectors", bytes.NewReader(mustHex(t, v.KeyHex)), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustPseudonymizer(t, r, 1).Pseudonym(v.Field, v.Value); got != v.Pseudonym {
		t.Fatalf("Pseudonym = %s, file says %s", got, v.Pseudonym)
	}
}

// Every vector appears in the spec, so the table there cannot drift.
func TestVectorsInSpec(t *testing.T) {
	spec, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range loadVectors(t) {
		for _, s := range []string{v.KeyHex, v.HMACHex, v.Pseudonym} {
			if !bytes.Contains(spec, []byte(s)) {
				t.Errorf("%s does not mention %s (vector %s/%q)", specFile, s, v.Field, v.Value)
			}
		}
	}
}

// TestSpecShellCommands runs the shell examples exactly as
// docs/pseudonyms.md prints them, compares their output with the output the
// spec shows, and that output with the first vector and with DeriveStoreKey.
func TestSpecShellCommands(t *testing.T) {
	for _, tool := range []string{"sh", "openssl", "basenc", "cut", "tr"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH", tool)
		}
	}
	spec, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, name string) (script, output string) {
		script = codeBlockAfter(t, spec, "<!-- checked: "+name+" script -->")
		output = codeBlockAfter(t, spec, "<!-- checked: "+name+" output -->")
		cmd := exec.Command("sh", "-e", "-c", script)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("documented commands failed: %v\n%s", err, script)
		}
		if string(out) != output {
			t.Fatalf("documented commands print\n%s\nthe spec shows\n%s", out, output)
		}
		return script, output
	}

	t.Run("pseudonym", func(t *testing.T) {
		script, output := run(t, "pseudonym")
		v := loadVectors(t)[0]
		if !strings.Contains(script, v.KeyHex) || !strings.HasPrefix(output, v.HMACHex+" ") || !strings.HasSuffix(output, "\n"+v.Pseudonym+"\n") {
			t.Fatalf("the spec's shell example is not the first vector (%s)", v.Pseudonym)
		}
	})
	t.Run("store-key", func(t *testing.T) {
		script, output := run(t, "store-key")
		kekHex := "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		kek, err := NewKEK(mustHex(t, kekHex))
		if err != nil {
			t.Fatal(err)
		}
		if want := hex.EncodeToString(kek.DeriveStoreKey()) + "\n"; !strings.Contains(script, kekHex) || output != want {
			t.Fatalf("spec shows store key %q, DeriveStoreKey gives %q", output, want)
		}
	})
}

// codeBlockAfter returns the content of the first fenced code block after
// the marker line.
func codeBlockAfter(t *testing.T, doc []byte, marker string) string {
	t.Helper()
	_, rest, ok := bytes.Cut(doc, []byte(marker+"\n"))
	if !ok {
		t.Fatalf("marker %q not found", marker)
	}
	sc := bufio.NewScanner(bytes.NewReader(rest))
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "```") {
		t.Fatalf("no code block right after %q", marker)
	}
	var b strings.Builder
	for sc.Scan() {
		if sc.Text() == "```" {
			return b.String()
		}
		b.WriteString(sc.Text() + "\n")
	}
	t.Fatalf("unterminated code block after %q", marker)
	return ""
}
