package main

import (
	"bufio"
	"os"
)

// A sideFile is an output file written under a side name, PATH.partial,
// and renamed to PATH only when complete: a run that fails or is stopped
// half-way never leaves a half-written file under the name a user expects.
type sideFile struct {
	*bufio.Writer
	f    *os.File
	path string
}

func createSideFile(path string) (*sideFile, error) {
	f, err := os.OpenFile(path+".partial", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	return &sideFile{Writer: bufio.NewWriterSize(f, 1<<20), f: f, path: path}, nil
}

// close flushes what is buffered and closes the side file.
func (s *sideFile) close() error {
	err := s.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// commit gives the closed, complete side file its real name.
func (s *sideFile) commit() error { return os.Rename(s.f.Name(), s.path) }

// discard removes the side file if it was not committed; deferred after
// createSideFile, it cleans up whatever way a run ends.
func (s *sideFile) discard() {
	s.f.Close() // an error here is that it was closed already
	os.Remove(s.f.Name())
}
