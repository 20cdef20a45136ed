// Package readmetest runs the README's commands, as written, and compares
// what they print and write with what the README shows, so that the
// README stays true.
package readmetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/servertest"
)

// The sections whose commands run, in this order, against one dev-mode
// ttpd started, as the README says, in a fresh directory.
var sections = []string{
	"Quickstart: coding a file",
	"Linking persons",
	"Corrections and objections (brokers)",
	"Deliveries: linkage requests and conversion",
	"Domains and keys (operators)",
}

// block is a fenced block of the README.
type block struct {
	lang, text string
	line       int // of the opening fence
}

// readme reads ../../README.md into its blocks by section heading.
func readme(t *testing.T) map[string][]block {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]block{}
	var section string
	var cur *block
	var body strings.Builder
	for n, line := range strings.Split(string(raw), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "#"):
			section = strings.TrimSpace(strings.TrimLeft(line, "#"))
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{lang: strings.TrimPrefix(line, "```"), line: n + 1}
			body.Reset()
		case cur != nil && line == "```":
			cur.text = body.String()
			out[section] = append(out[section], *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line + "\n")
		}
	}
	return out
}

// TestReadme starts ttpd as "Two commands" says, in a fresh directory
// with the repository's testdata, then runs every command of the sections
// above as written (go run ./cmd/ttp is the ttp built from this tree;
// measurements, ttpsynth and ttpeval, are not run), each of which must
// succeed; a block without a language that follows a
// command block is what the README says the last command printed, or a
// file it wrote: its lines must be there, in order ("..." stands for
// anything, and pseudonyms for pseudonyms, the same one where the README
// shows the same one).
func TestReadme(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ttp and ttpd and runs the README")
	}
	blocks := readme(t)
	work := t.TempDir()
	bin := filepath.Join(work, ".bin")
	for _, c := range []string{"ttp", "ttpd"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(bin, c), "github.com/ttpnl/ttp/cmd/"+c).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", c, err, out)
		}
	}
	if err := os.CopyFS(filepath.Join(work, "testdata"), os.DirFS(filepath.Join("..", "..", "testdata"))); err != nil {
		t.Fatal(err)
	}

	// "go run ./cmd/ttpd" starts the server; other addresses than the
	// defaults, so that the test does not meet a server someone runs.
	var start string
	for _, b := range blocks["Two commands"] {
		for _, c := range commands(b.text) {
			if strings.HasPrefix(c, "go run ./cmd/ttpd") {
				start = c
			}
		}
	}
	if start == "" {
		t.Fatal(`README: no "go run ./cmd/ttpd" in "Two commands"`)
	}
	metrics := servertest.FreeAddr(t)
	startServer(t, work, bin, start+" -listen "+servertest.FreeAddr(t)+" -metrics "+metrics, metrics)

	for _, name := range sections {
		bs, ok := blocks[name]
		if !ok {
			t.Fatalf("README: no section %q", name)
		}
		var last *result
		exported := map[string]string{} // what the section's export lines set
		for _, b := range bs {
			switch b.lang {
			case "sh":
				for _, c := range commands(b.text) {
					if measurement(c) {
						t.Logf("README line %d: not run here (a measurement): %s", b.line, c)
						continue
					}
					last = runCommand(t, work, bin, c, exported)
				}
			case "":
				if last == nil {
					t.Errorf("README line %d: output shown before any command", b.line)
					continue
				}
				if err := last.shows(work, b.text); err != nil {
					t.Errorf("README line %d, after %q: %v", b.line, last.command, err)
				}
			}
		}
	}
}

// commands splits a shell block into commands: continuation lines joined,
// comments and blank lines dropped.
func commands(text string) []string {
	var out []string
	var cur string
	for _, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, " #"); i >= 0 && !strings.Contains(line[:i], `"`) {
			line = line[:i]
		}
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		line = strings.TrimRight(line, " ")
		if strings.HasSuffix(line, `\`) {
			cur += strings.TrimSuffix(line, `\`)
			continue
		}
		if c := strings.TrimSpace(cur + line); c != "" {
			out = append(out, c)
		}
		cur = ""
	}
	return out
}

// measurement reports whether a command measures (ttpsynth, ttpeval, go
// test): minutes of work that the README shows as such, not a step of
// using ttp.
func measurement(command string) bool {
	return !strings.HasPrefix(command, "export ") && !regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=\S+$`).MatchString(command) &&
		!regexp.MustCompile(`^([A-Z_][A-Z0-9_]*=\S+\s+)*go run \./cmd/ttpd?\s`).MatchString(command)
}

// result is what a command printed.
type result struct {
	command string
	output  string
}

// runCommand runs one README command in work, with bash, as a user of a
// clone would; "go run ./cmd/X" is the binary built from this tree.
func runCommand(t *testing.T, work, bin, command string, exported map[string]string) *result {
	t.Helper()
	shell := regexp.MustCompile(`\bgo run \./cmd/(ttpd?)\b`).ReplaceAllString(command, bin+"/$1")
	cmd := exec.Command("bash", "-c", shell)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PWD="+work)
	for k, v := range exported {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if rest, ok := strings.CutPrefix(command, "export "); ok {
		k, v, _ := strings.Cut(rest, "=")
		exported[k] = strings.ReplaceAll(v, "$PWD", work)
		return &result{command: command}
	}
	// A shell variable set on a line of its own (M=...) holds for the
	// section's later lines, as it would in the reader's shell.
	if k, v, ok := strings.Cut(command, "="); ok && regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`).MatchString(k) && !strings.Contains(v, " ") {
		exported[k] = v
		return &result{command: command}
	}
	out, err := cmd.CombinedOutput()
	// Exit status 1 is "some records were rejected" (the README's samples
	// have rejected records on purpose): the output must then say so.
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 && regexp.MustCompile(`, [1-9][0-9]* rejected`).Match(out) {
		err = nil
	}
	if err != nil {
		t.Fatalf("README command %q: %v\n%s", command, err, out)
	}
	return &result{command: command, output: string(out)}
}

// shows checks that the README's block is what the command printed, or is
// in a file the command names in its output.
func (r *result) shows(work, want string) error {
	texts := []string{r.output}
	names := []string{"its output"}
	for _, m := range regexp.MustCompile(`(?m)^\s*(?:output|report): (\S+)$`).FindAllStringSubmatch(r.output, -1) {
		raw, err := os.ReadFile(filepath.Join(work, m[1]))
		if err != nil {
			return err
		}
		texts = append(texts, string(raw))
		names = append(names, m[1])
	}
	var errs []string
	for i, text := range texts {
		err := matchLines(want, text)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Sprintf("%s: %v", names[i], err))
	}
	return fmt.Errorf("the README shows\n%s\nwhich is not in %s\ncommand output:\n%s", want, strings.Join(errs, "; "), r.output)
}

var pseudonym = regexp.MustCompile(`v\d+\.[a-z2-7]{26}`)

// matchLines checks that want's lines are, in order, lines of got (a line
// "..." skips any number; "..." in a line stands for anything; a
// pseudonym for a pseudonym, the same README pseudonym for one and the
// same pseudonym in got).
func matchLines(want, got string) error {
	gotLines := strings.Split(strings.TrimSpace(got), "\n")
	same := map[string]string{}
	g := 0
	for _, w := range strings.Split(strings.TrimSpace(want), "\n") {
		w = strings.TrimSpace(w)
		if w == "..." {
			continue
		}
		re := lineRegexp(w)
		found := false
		for ; g < len(gotLines); g++ {
			m := re.FindStringSubmatch(strings.TrimSpace(gotLines[g]))
			if m == nil || !consistent(same, pseudonym.FindAllString(w, -1), m[1:]) {
				continue
			}
			found = true
			g++
			break
		}
		if !found {
			return fmt.Errorf("no line %q (in order)", w)
		}
	}
	return nil
}

// lineRegexp is a README line as a pattern: "..." is anything, each
// pseudonym a group, runs of spaces any spaces.
func lineRegexp(w string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i, part := range strings.Split(w, "...") {
		if i > 0 {
			b.WriteString(".*")
		}
		last := 0
		for _, loc := range pseudonym.FindAllStringIndex(part, -1) {
			b.WriteString(spaced(part[last:loc[0]]))
			b.WriteString(`(v\d+\.[a-z2-7]{26})`)
			last = loc[1]
		}
		b.WriteString(spaced(part[last:]))
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func spaced(s string) string {
	return regexp.MustCompile(`\\ +|( )+`).ReplaceAllString(regexp.QuoteMeta(s), ` +`)
}

// consistent records that README pseudonyms shown stand for got, and
// reports whether that agrees with earlier lines.
func consistent(same map[string]string, shown, got []string) bool {
	for i, s := range shown {
		if prev, ok := same[s]; ok && prev != got[i] {
			return false
		}
	}
	for i, s := range shown {
		same[s] = got[i]
	}
	return true
}

// startServer runs the README's server command in work until the test
// ends, and waits until it is ready.
func startServer(t *testing.T, work, bin, command, metrics string) {
	t.Helper()
	shell := regexp.MustCompile(`\bgo run \./cmd/ttpd\b`).ReplaceAllString(command, "exec "+bin+"/ttpd")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "bash", "-c", shell)
	cmd.Dir = work
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("ttpd said:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + metrics + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q does not get ready: %v\n%s", command, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
