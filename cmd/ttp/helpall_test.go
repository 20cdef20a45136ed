package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// helpScript is the script that runs -h on every command of the tree and
// compares its usage with a golden file.
const helpScript = "testdata/script/help_all.txtar"

// TestHelpScriptCoversEveryCommand fails when a command of the tree has no
// "exec ttp ... -h" line in help_all.txtar: a new command gets its usage
// checked, or this test says so. (UPDATE_SCRIPTS=1 go test -run
// TestScripts/badger/help_all fills in the golden files.)
func TestHelpScriptCoversEveryCommand(t *testing.T) {
	b, err := os.ReadFile(filepath.FromSlash(helpScript))
	if err != nil {
		t.Fatal(err)
	}
	script := string(b)
	var walk func(c *command, path []string)
	walk = func(c *command, path []string) {
		line := "exec ttp " + strings.Join(append(append([]string(nil), path...), "-h"), " ") + "\n"
		if !strings.Contains(script, line) {
			t.Errorf("%s has no line %q", helpScript, strings.TrimSpace(line))
		}
		for _, s := range c.subs {
			walk(s, append(append([]string(nil), path...), s.name))
		}
	}
	walk(commands, nil)
}
