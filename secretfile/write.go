package secretfile

import (
	"fmt"
	"os"
)

// WriteNew creates the file at path, readable and writable by its owner
// only (mode 0600), with data as its content, and syncs it to disk. It
// refuses a path that exists, even as a dangling symbolic link: replacing a
// secret can destroy the only copy of a key, and a file made earlier may
// have a looser mode. If writing fails, the new file is removed. The caller
// should clear data when done with it.
func WriteNew(path string, data []byte) error {
	// O_EXCL makes the existence check and the creation one step, and does
	// not follow a symbolic link at path.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
