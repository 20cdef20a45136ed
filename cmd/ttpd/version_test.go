package main

import (
	"os/exec"
	"regexp"
	"testing"
)

// ttpd -version prints which build it is, on one line, and exits 0
// without a configuration or a data directory.
func TestVersionFlag(t *testing.T) {
	bin := buildTTPD(t)
	cmd := exec.Command(bin, "-version")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ttpd -version: %v\n%s", err, out)
	}
	if re := regexp.MustCompile(`^ttpd version (devel|v\S+)(, commit [0-9a-f]+( \(modified\))?)?, built with go1\.\d+\S*\n$`); !re.Match(out) {
		t.Errorf("ttpd -version printed %q, want it to match %s", out, re)
	}
}
