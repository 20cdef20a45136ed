// Package secretfile reads and writes files that hold secrets: the TTP's
// KEK, a recipient's private key, a TLS private key. Read refuses a file
// that other accounts can read or write (such a secret is already
// compromised, so refusing is the safe answer); WriteNew creates a file only
// its owner can read and never replaces one. Errors never echo the content.
package secretfile

import (
	"fmt"
	"io"
	"os"
)

// Read returns the content of the file at path, at most limit+1 bytes (a
// longer read tells the caller the file is too long). The caller should
// clear the result when done with it.
func Read(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Stat the open file, not the path, so the mode we check belongs to the
	// bytes we read.
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%s has mode %04o; it must be accessible by its owner only (chmod 0600 %s)", path, perm, path)
	}
	content, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		clear(content)
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return content, nil
}
