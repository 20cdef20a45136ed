package buildinfo

import (
	"regexp"
	"testing"
)

func TestLine(t *testing.T) {
	// go test records no module version and, here, no commit.
	re := regexp.MustCompile(`^ttpd version (devel|v\S+)(, commit [0-9a-f]+( \(modified\))?)?, built with go1\.\d+`)
	if got := Line("ttpd"); !re.MatchString(got) {
		t.Errorf("Line = %q, want it to match %s", got, re)
	}
}
