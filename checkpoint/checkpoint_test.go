package checkpoint_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ttpnl/ttp/checkpoint"
)

// keyFiles writes a key pair for log name and reads both back.
func keyFiles(t *testing.T, name string) (*checkpoint.Key, note.Verifier, string) {
	t.Helper()
	dir := t.TempDir()
	skey, vkey := filepath.Join(dir, "audit.key"), filepath.Join(dir, "audit.pub")
	if err := checkpoint.WriteKeyFiles(name, skey, vkey); err != nil {
		t.Fatal(err)
	}
	k, err := checkpoint.ReadKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := checkpoint.ReadVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := os.ReadFile(vkey)
	if k.Verifier != strings.TrimSpace(string(pub)) {
		t.Fatalf("verifier key derived from the signer key %q, written %q", k.Verifier, pub)
	}
	return k, v, skey
}

func TestSignOpen(t *testing.T) {
	k, v, skey := keyFiles(t, "ttp.example/audit")
	c := checkpoint.Checkpoint{Origin: "ttp.example/audit", Size: 42, Hash: tlog.RecordHash([]byte("x"))}
	signed, err := checkpoint.Sign(c, k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(signed, []byte(c.Text()+"\n— ttp.example/audit ")) {
		t.Fatalf("signed checkpoint:\n%s", signed)
	}
	got, err := checkpoint.Open(signed, v)
	if err != nil || got != c {
		t.Fatalf("Open: %+v, %v; want %+v", got, err, c)
	}

	// A changed size, hash or origin breaks the signature.
	for _, change := range []func(string) string{
		func(s string) string { return strings.Replace(s, "\n42\n", "\n41\n", 1) },
		func(s string) string {
			return strings.Replace(s, c.Hash.String(), tlog.RecordHash([]byte("y")).String(), 1)
		},
		func(s string) string { return strings.Replace(s, "ttp.example/audit\n", "ttp.example/audiT\n", 1) },
	} {
		if _, err := checkpoint.Open([]byte(change(string(signed))), v); err == nil {
			t.Errorf("a changed checkpoint opened:\n%s", change(string(signed)))
		}
	}
	// Another key of the same name: not the log's.
	other, _, _ := keyFiles(t, "ttp.example/audit")
	forged, err := checkpoint.Sign(c, other.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.Open(forged, v); err == nil {
		t.Error("a checkpoint signed by another key opened")
	}
	// A key signs checkpoints of its own log only.
	if _, err := checkpoint.Sign(checkpoint.Checkpoint{Origin: "other"}, k.Signer); err == nil {
		t.Error("signed a checkpoint of another log")
	}

	// The signer key is a secret: a loose mode is refused, and a malformed
	// file's error does not echo it.
	if err := os.Chmod(skey, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.ReadKey(skey); err == nil || !strings.Contains(err.Error(), "chmod 0600") {
		t.Errorf("ReadKey of a group-readable key: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.key")
	if err := os.WriteFile(bad, []byte("PRIVATE+KEY+secretstuff\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.ReadKey(bad); err == nil || strings.Contains(err.Error(), "secretstuff") {
		t.Errorf("ReadKey of a malformed key: %v", err)
	}
}

func TestMalformed(t *testing.T) {
	k, v, _ := keyFiles(t, "log")
	for _, text := range []string{
		"log\n",
		"log\n12\n",
		"log\n-1\n" + tlog.Hash{}.String() + "\n",
		"log\n012\n" + tlog.Hash{}.String() + "\n",
		"log\n12\nnot base64\n",
		"log\n12\n" + tlog.Hash{}.String()[:20] + "\n",
	} {
		signed, err := note.Sign(&note.Note{Text: text}, k.Signer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := checkpoint.Open(signed, v); !errors.Is(err, checkpoint.ErrMalformed) {
			t.Errorf("Open of %q: %v, want ErrMalformed", text, err)
		}
	}
}

func TestCheckConsistencyEdges(t *testing.T) {
	h := tlog.RecordHash([]byte("a"))
	empty := checkpoint.Checkpoint{Origin: "log"}
	one := checkpoint.Checkpoint{Origin: "log", Size: 1, Hash: h}
	if err := checkpoint.CheckConsistency(empty, one, nil); err != nil {
		t.Errorf("from the empty tree: %v", err)
	}
	if err := checkpoint.CheckConsistency(one, one, nil); err != nil {
		t.Errorf("to the same tree: %v", err)
	}
	changed := one
	changed.Hash[0] ^= 1
	if err := checkpoint.CheckConsistency(one, changed, nil); !errors.Is(err, checkpoint.ErrInconsistent) {
		t.Errorf("same size, other root: %v", err)
	}
	if err := checkpoint.CheckConsistency(one, empty, nil); !errors.Is(err, checkpoint.ErrInconsistent) || !strings.Contains(err.Error(), "records were removed") {
		t.Errorf("to a smaller tree: %v", err)
	}
	if err := checkpoint.CheckConsistency(one, checkpoint.Checkpoint{Origin: "other", Size: 1, Hash: h}, nil); err == nil {
		t.Error("checkpoints of two logs passed")
	}
}
