package devmode

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// PublishAddress writes the address the server listens on now (listening,
// as bound: a port 0 is the port it got) into every dev principal's
// settings file, so that ttp dials where the server is, whatever address
// the start that made the files listened on. Lines other than TTP_SERVER
// are kept; a file that already names the address is left alone.
func PublishAddress(dataDir, listening string) error {
	line := []byte("TTP_SERVER=" + dialAddress(listening))
	for _, p := range Principals() {
		path := clientFilesOf(dataDir, p.Name).env
		old, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines := bytes.Split(old, []byte("\n"))
		found := false
		for i, l := range lines {
			if bytes.HasPrefix(l, []byte("TTP_SERVER=")) {
				lines[i], found = line, true
			}
		}
		if !found {
			lines = append([][]byte{line}, lines...)
		}
		if updated := bytes.Join(lines, []byte("\n")); !bytes.Equal(updated, old) {
			if err := replaceFile(path, updated); err != nil {
				return fmt.Errorf("settings of %s: %w", p.Name, err)
			}
		}
	}
	return nil
}

// replaceFile replaces path's contents at once (a client reading it sees
// the old file or the new one), mode 0600.
func replaceFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is none
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
