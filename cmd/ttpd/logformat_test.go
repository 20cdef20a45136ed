package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/server/devmode"
)

// TestLogFormatJSON: with -log-format json every line ttpd writes on
// stderr is a JSON object with time, level and msg, for a log collector;
// what dev mode tells a person goes to stdout.
func TestLogFormatJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ttpd")
	}
	bin := buildTTPD(t)
	dir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	cmd := exec.Command(bin, "-data", dir, "-listen", addr, "-metrics", freeAddr(t), "-log-format", "json")
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	probe := client.Settings{Server: addr, CA: filepath.Join(dir, "pki", "ca.pem"),
		Cert: filepath.Join(dir, "clients", devmode.OperatorName+".pem"), Key: filepath.Join(dir, "clients", devmode.OperatorName+"-key.pem")}
	for deadline := time.Now().Add(30 * time.Second); serving(probe) != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("ttpd does not serve:\n%s%s", stdout.String(), stderr.String())
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		t.Fatalf("ttpd: %v\n%s", err, stderr.String())
	}

	msgs := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("stderr line %q is not JSON: %v", line, err)
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := entry[k]; !ok {
				t.Errorf("log line %q has no %q", line, k)
			}
		}
		msgs[entry["msg"].(string)] = true
	}
	for _, m := range []string{"serving", "stopped"} {
		if !msgs[m] {
			t.Errorf("no %q log line in:\n%s", m, stderr.String())
		}
	}
	if !strings.Contains(stdout.String(), "ttpd dev mode: data directory") {
		t.Errorf("the dev mode banner is not on stdout:\n%s", stdout.String())
	}
}

func TestLogFormatUnknown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ttpd")
	}
	out, err := exec.Command(buildTTPD(t), "-data", t.TempDir(), "-log-format", "xml").CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte(`-log-format: "xml": want text or json`)) {
		t.Fatalf("ttpd -log-format xml: %v\n%s", err, out)
	}
}
