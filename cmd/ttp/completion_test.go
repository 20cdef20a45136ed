package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// completionCases are words typed so far (the last one being completed)
// and what the shell should offer; "(files)" is file names.
var completionCases = []struct{ typed, want string }{
	{"ttp ", "code link withdraw optout convert open request release reid keygen admin audit completion version help"},
	{"ttp ad", "admin"},
	{"ttp admin domain ", "create list describe rotate update help"},
	{"ttp admin review list -", "-ca -cert -env -json -key -n -server -h"},
	{"ttp code -en", "-encoding -env"},
	{"ttp code -domain nkr in.csv -la", "-lang"},
	{"ttp code x", "(files)"},
	{"ttp frobnicate ", "(files)"},
}

// TestCompletion sources the scripts of ttp completion in bash and in zsh
// and completes with them. zsh filters by the typed prefix itself, so its
// offers are checked to contain the wanted ones.
func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh"} {
		t.Run(shell, func(t *testing.T) {
			if _, err := exec.LookPath(shell); err != nil {
				t.Skipf("%s is not installed here, so its script cannot be tried", shell)
			}
			var script bytes.Buffer
			if err := (completionCommand{}).run(context.Background(), []string{shell}, &script, nil); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "ttp-completion")
			if err := os.WriteFile(path, script.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, c := range completionCases {
				got := complete(t, shell, path, c.typed)
				if shell == "zsh" && c.want != "(files)" {
					if !containsAll(got, c.want) {
						t.Errorf("%q: zsh offers %q, want %q among them", c.typed, got, c.want)
					}
					continue
				}
				if got != c.want && !(c.want == "(files)" && got == "") {
					t.Errorf("%q: %s offers %q, want %q", c.typed, shell, got, c.want)
				}
			}
		})
	}
}

// complete runs the shell's completion function on typed and returns what
// it offers.
func complete(t *testing.T, shell, script, typed string) string {
	words := strings.Split(typed, " ")
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = shellQuote(w)
	}
	var harness string
	switch shell {
	case "bash":
		harness = "source " + shellQuote(script) + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=$((${#COMP_WORDS[@]}-1))\n_ttp\necho \"${COMPREPLY[*]}\"\n"
	case "zsh":
		harness = "compdef() { :; }\ncompadd() { shift; echo \"$*\"; }\n_files() { echo '(files)'; }\nsource " + shellQuote(script) +
			"\nwords=(" + strings.Join(quoted, " ") + ")\nCURRENT=${#words}\nPREFIX=${words[CURRENT]}\n_ttp\n"
	}
	out, err := exec.Command(shell, "-c", harness).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", shell, err, out)
	}
	return strings.TrimSpace(string(out))
}

func containsAll(got, want string) bool {
	have := strings.Fields(got)
	for _, w := range strings.Fields(want) {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}
