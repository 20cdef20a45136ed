package secretfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret")
	const content = "0123456789abcdef"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path, 100)
	if err != nil || string(got) != content {
		t.Fatalf("Read: %q, %v", got, err)
	}
	// The limit: one byte more than allowed is read, so a caller sees the
	// file is too long.
	if got, _ := Read(path, 4); len(got) != 5 {
		t.Fatalf("Read with limit 4 returned %d bytes, want 5", len(got))
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err = Read(path, 100)
	if err == nil || !strings.Contains(err.Error(), "chmod 0600") || strings.Contains(err.Error(), content) {
		t.Fatalf("group-readable file: %v", err)
	}
	if _, err := Read(dir, 100); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("directory: %v", err)
	}
}
