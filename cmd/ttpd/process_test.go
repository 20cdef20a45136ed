package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health/grpc_health_v1"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/server/servertest"
)

// buildTTPD builds this command into a temporary directory, so a test can
// run it as a process (and kill it).
func buildTTPD(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ttpd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// ttpdProcess is a ttpd that the test runs as a process.
type ttpdProcess struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	err    error         // Wait's answer, once exited is closed
	out    *syncBuffer   // what it wrote
}

// startTTPD runs bin with args and waits until it serves: until its health
// service answers SERVING to a client with the settings probe, whose files
// may be the ones that the process makes first (dev mode). A process still
// running when the test ends is killed; the output of a failed test's
// processes is logged.
func startTTPD(t *testing.T, bin string, probe client.Settings, args ...string) *ttpdProcess {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if testing.Verbose() {
		cmd.Stderr = io.MultiWriter(os.Stderr, &out)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &ttpdProcess{cmd: cmd, exited: make(chan struct{}), out: &out}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
		if t.Failed() && out.Len() > 0 {
			t.Logf("ttpd %v said:\n%s", args, out.String())
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for {
		err := serving(probe)
		if err == nil {
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("ttpd %v exited before it served: %v\n%s", args, p.err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("ttpd %v does not serve after 30 s: %v", args, err)
		}
	}
}

// serving asks the server's health service whether it serves.
func serving(s client.Settings) error {
	cc, err := client.Dial(s)
	if err != nil {
		return err
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	resp, err := grpc_health_v1.NewHealthClient(cc).Check(ctx, &grpc_health_v1.HealthCheckRequest{})
	if err != nil {
		return err
	}
	if resp.Status != grpc_health_v1.HealthCheckResponse_SERVING {
		return fmt.Errorf("health: %v", resp.Status)
	}
	return nil
}

// kill kills the process with SIGKILL, as a crash would, and waits for it.
func (p *ttpdProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// stop stops the process with SIGTERM; it must exit cleanly.
func (p *ttpdProcess) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.exited
	if p.err != nil {
		t.Fatalf("ttpd did not stop cleanly on SIGTERM: %v", p.err)
	}
}

// startFixture runs ttpd on a fixture's configuration; the fixture has a
// principal "operator", which probes it.
func startFixture(t *testing.T, bin string, f *servertest.Fixture) *ttpdProcess {
	t.Helper()
	return startTTPD(t, bin, f.Settings("operator", f.Config.Listen), "-config", f.ConfigPath)
}

// verifyAudit runs ttpd -verify-audit with args (the server must be
// stopped) and returns what it printed on stdout; the chain must verify.
func verifyAudit(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-verify-audit"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("-verify-audit: %v\n%s%s", err, out, stderr.Bytes())
	}
	return string(bytes.TrimSpace(out))
}

func dial(t *testing.T, f *servertest.Fixture, name string) *grpc.ClientConn {
	t.Helper()
	return dialSettings(t, f.Settings(name, f.Config.Listen))
}

func dialSettings(t *testing.T, s client.Settings) *grpc.ClientConn {
	t.Helper()
	cc, err := client.Dial(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

func freeAddr(t *testing.T) string { return servertest.FreeAddr(t) }

// syncBuffer is a bytes.Buffer that a process and the test may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
