package ttpv1_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedCodeIsCurrent regenerates the Go code from the .proto files
// with the pinned buf and plugins, into a temporary folder, and fails if it
// differs from what is committed: the API and its generated code cannot
// drift. It also runs buf lint (STANDARD rules).
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds buf")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	buf := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", append([]string{"tool", "-modfile=tools/go.mod", "buf"}, args...)...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("buf %v: %v\n%s", args, err, out)
		}
	}
	buf("lint")
	out := t.TempDir()
	buf("generate", "-o", out)
	committed, err := filepath.Glob(filepath.Join(root, "proto/ttp/v1/*.pb.go"))
	if err != nil || len(committed) == 0 {
		t.Fatalf("no generated files found: %v", err)
	}
	for _, path := range committed {
		rel, _ := filepath.Rel(root, path)
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, rel))
		if err != nil {
			t.Fatalf("%s is committed but not generated: %v", rel, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the .proto files generate; run: go tool -modfile=tools/go.mod buf generate", rel)
		}
	}
	generated, _ := filepath.Glob(filepath.Join(out, "proto/ttp/v1/*.pb.go"))
	if len(generated) != len(committed) {
		t.Errorf("generation makes %d files, %d are committed", len(generated), len(committed))
	}
}
