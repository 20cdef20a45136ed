package pgtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// errNotInstalled says what to do when PostgreSQL's programs are missing.
var errNotInstalled = errors.New("pgtest: PostgreSQL is not installed (no initdb in PATH nor in /usr/lib/postgresql/*/bin): " +
	"install Debian's postgresql package (apt-get install postgresql), or set TTP_TEST_POSTGRES=off to skip these tests")

// debianBinGlob is where Debian installs each major version's programs;
// they are not in PATH there. A variable for the test of its absence.
var debianBinGlob = "/usr/lib/postgresql/*/bin"

// findBinDir returns the directory holding initdb and pg_ctl: the one in
// PATH, or else the newest Debian version.
func findBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		// A link in PATH (/usr/local/bin/initdb) stands for the real
		// directory, where pg_ctl and postgres of the same version are.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if isExecutable(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(debianBinGlob)
	best, bestVersion := "", -1
	for _, dir := range dirs {
		if !isExecutable(filepath.Join(dir, "initdb")) || !isExecutable(filepath.Join(dir, "pg_ctl")) {
			continue
		}
		// /usr/lib/postgresql/15/bin: the major version is the parent's name.
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
		if err == nil && v > bestVersion {
			best, bestVersion = dir, v
		}
	}
	if best == "" {
		return "", errNotInstalled
	}
	return best, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// disabled reports whether the environment asks to skip PostgreSQL tests.
func disabled() bool {
	return strings.EqualFold(os.Getenv("TTP_TEST_POSTGRES"), "off")
}
