package secretfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testSecret = "0123456789abcdef\n"

func TestWriteNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret")
	if err := WriteNew(path, []byte(testSecret)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("new file has mode %04o, want 0600", perm)
	}
	// What WriteNew writes, Read reads.
	got, err := Read(path, 100)
	if err != nil || string(got) != testSecret {
		t.Fatalf("Read after WriteNew: %q, %v", got, err)
	}
}

func TestWriteNewRefusesExisting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret")
	if err := WriteNew(path, []byte(testSecret)); err != nil {
		t.Fatal(err)
	}
	const other = "the second secret"
	err := WriteNew(path, []byte(other))
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second WriteNew: %v, want a file-exists error", err)
	}
	if strings.Contains(err.Error(), other) || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("error repeats the content: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != testSecret {
		t.Fatalf("existing file changed to %q", got)
	}
}

// A symbolic link at path is refused, not followed, even when it points
// nowhere yet: following it would write the secret where the link says.
func TestWriteNewRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target, link := filepath.Join(dir, "elsewhere"), filepath.Join(dir, "secret")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := WriteNew(link, []byte(testSecret)); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("WriteNew through a dangling link: %v, want a file-exists error", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the link's target was created (%v)", err)
	}
}

func TestWriteNewMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "secret")
	if err := WriteNew(path, []byte(testSecret)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("WriteNew into a missing directory: %v", err)
	}
}
