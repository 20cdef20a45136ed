//go:build unix

package secretfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The mode does not depend on a lax umask: 0600 is the most it can be.
func TestWriteNewLaxUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "secret")
	if err := WriteNew(path, []byte(testSecret)); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode under umask 0: %v, %v", fi.Mode(), err)
	}
}
