//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterrupt stops ttp code with Ctrl-C (SIGINT) half-way through its
// input: ttp exits 2 (the run failed) saying it was stopped, leaves no
// output file (not even the side file), keeps the report of the last
// completed run as it was, and the report of the stopped run, if it coded
// anything, says it was stopped. The input is a
// FIFO that the test keeps writing to, so the run can only end by the
// signal; ttp opens it only after it has set up its signal handling, so the
// signal cannot come too early.
func TestInterrupt(t *testing.T) {
	f, addr, err := startServer(t)
	if err != nil {
		t.Fatal(err)
	}
	var hospital []string
	for name, value := range settingsVars(f.Settings("hospital", addr)) {
		hospital = append(hospital, name+"="+value)
	}
	for _, c := range []struct {
		name string
		args []string
		env  []string
	}{
		{"test mode", []string{"code", "-test", "-map", "bsn=bsn"}, nil},
		{"server", []string{"code", "-domain", "nkr", "-map", "bsn=bsn", "-chunk", "100"}, hospital},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in, out, report := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv"), filepath.Join(dir, "report.csv")
			if err := syscall.Mkfifo(in, 0o600); err != nil {
				t.Fatal(err)
			}
			const earlier = "the report of an earlier run\n"
			if err := os.WriteFile(report, []byte(earlier), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("ttp", slices.Concat(c.args, []string{"-o", out, "-report", report, in})...)
			cmd.Env = append(withoutSettings(os.Environ()), c.env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill() }) // a failed test leaves no ttp running
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()

			w := openWriter(t, in, exited)
			if _, err := fmt.Fprintln(w, "bsn,diagnose"); err != nil {
				t.Fatal(err)
			}
			feed(t, w, 1000)
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			feed(t, w, -1) // until ttp closes its end
			w.Close()

			var exitErr *exec.ExitError
			if err := <-exited; !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
				t.Fatalf("ttp ended with %v, want exit status 2; stderr:\n%s", err, &stderr)
			}
			if !strings.Contains(stderr.String(), "stopped: interrupt signal received") {
				t.Errorf("stderr does not say the run was stopped:\n%s", &stderr)
			}
			for _, p := range []string{out, out + ".partial"} {
				if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s is there after the interrupted run (%v)", filepath.Base(p), err)
				}
			}
			if rep, err := os.ReadFile(report); err != nil || string(rep) != earlier {
				t.Errorf("the earlier report was changed (%v):\n%s", err, rep)
			}
			switch rep, err := os.ReadFile(failedReportPath(report)); {
			case errors.Is(err, os.ErrNotExist): // nothing was coded before the signal
				if !strings.Contains(stderr.String(), "(the report "+report+" is unchanged)") {
					t.Errorf("stderr does not say the report is unchanged:\n%s", &stderr)
				}
			case err != nil || !strings.Contains(string(rep), "run,status,failed: stopped: interrupt signal received"):
				t.Errorf("report of the stopped run (%v):\n%s", err, rep)
			}
		})
	}
}

// withoutSettings is env without the TTP_* connection variables.
func withoutSettings(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "TTP_") })
}

// openWriter opens the FIFO at path for writing once ttp has opened it for
// reading, failing the test if ttp exits first or takes too long.
func openWriter(t *testing.T, path string, exited <-chan error) *os.File {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		// Non-blocking, an open for writing fails (ENXIO) while there is no
		// reader, rather than hanging the test if ttp never opens it.
		w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			return w
		}
		if !errors.Is(err, syscall.ENXIO) {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			t.Fatalf("ttp ended before reading its input: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("ttp did not open its input")
		}
	}
}

// feed writes CSV rows to w: n of them, or with n < 0 as many as the reader
// takes until it closes its end.
func feed(t *testing.T, w *os.File, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; n < 0 || i < n; i++ {
		_, err := fmt.Fprintln(w, "111222333,C18.7")
		if n < 0 && errors.Is(err, syscall.EPIPE) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("ttp is still reading 30 seconds after the interrupt")
		}
	}
}
