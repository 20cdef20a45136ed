package pgtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		helperProcess()
		return
	}
	Main(m)
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec1(t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func count(t *testing.T, conn *pgx.Conn, table string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Each URL is a database of its own, on a server that runs with fsync on,
// reached through the socket.
func TestURLsAreIsolatedDatabases(t *testing.T) {
	t.Parallel()
	a, b := connect(t, URL(t)), connect(t, URL(t))
	exec1(t, a, "CREATE TABLE t (x int)")
	exec1(t, a, "INSERT INTO t VALUES (1)")
	if n := count(t, a, "t"); n != 1 {
		t.Fatalf("count = %d", n)
	}
	if _, err := b.Exec(context.Background(), "SELECT * FROM t"); err == nil {
		t.Fatal("the second database sees the first's table")
	}
	for setting, want := range map[string]string{"fsync": "on", "synchronous_commit": "on"} {
		var got string
		if err := a.QueryRow(context.Background(), "SHOW "+setting).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", setting, got, err, want)
		}
	}
	if !strings.HasPrefix(a.Config().Host, "/") {
		t.Errorf("connected to host %q, want the Unix socket", a.Config().Host)
	}
}

// The TCP port on loopback answers too.
func TestTCP(t *testing.T) {
	t.Parallel()
	conn := connect(t, URL(t))
	var port string
	if err := conn.QueryRow(context.Background(), "SHOW port").Scan(&port); err != nil {
		t.Fatal(err)
	}
	tcp := connect(t, "postgres://postgres@127.0.0.1:"+port+"/postgres?sslmode=disable")
	exec1(t, tcp, "SELECT 1")
}

// A committed row survives an immediate stop (a crash: no checkpoint).
func TestKillRestartKeepsCommits(t *testing.T) {
	t.Parallel()
	c := Start(t)
	url := c.URL(t)
	conn := connect(t, url)
	exec1(t, conn, "CREATE TABLE t (x int)")
	exec1(t, conn, "INSERT INTO t VALUES (1)")
	c.Kill(t)
	if _, err := conn.Exec(context.Background(), "SELECT 1"); err == nil {
		t.Fatal("the connection survived Kill")
	}
	c.Restart(t)
	if n := count(t, connect(t, url), "t"); n != 1 {
		t.Fatalf("after restart count = %d, want 1", n)
	}
	c.Restart(t) // restarting a running cluster kills it first
}

// How long the first URL of a process takes (a cluster's start) and later
// ones (a database each). Run with -v to see.
func TestTimings(t *testing.T) {
	start := time.Now()
	c := Start(t)
	c.URL(t)
	first := time.Since(start)
	start = time.Now()
	const n = 5
	for range n {
		c.URL(t)
	}
	t.Logf("first URL (initdb, start, create database): %v; later URLs: %v each",
		first.Round(time.Millisecond), (time.Since(start) / n).Round(time.Millisecond))
}

func TestNotInstalled(t *testing.T) {
	t.Setenv("PATH", "")
	old := debianBinGlob
	debianBinGlob = filepath.Join(t.TempDir(), "*", "bin")
	defer func() { debianBinGlob = old }()
	_, err := findBinDir()
	if !errors.Is(err, errNotInstalled) || !strings.Contains(err.Error(), "postgresql package") {
		t.Fatalf("err = %v", err)
	}
}

func TestOffSkips(t *testing.T) {
	t.Setenv("TTP_TEST_POSTGRES", "off")
	var skipped bool
	t.Run("inner", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		URL(t)
	})
	if !skipped {
		t.Fatal("TTP_TEST_POSTGRES=off did not skip")
	}
}

// helperEnv makes the test binary a process that starts a cluster, prints
// its directory and the server's pid, and waits to be killed.
const helperEnv = "PGTEST_HELPER"

func helperProcess() {
	c, err := newCluster()
	if err != nil {
		os.Stderr.WriteString(err.Error())
		os.Exit(1)
	}
	pid, err := os.ReadFile(filepath.Join(c.dataDir(), "postmaster.pid"))
	if err != nil {
		os.Exit(1)
	}
	os.Stdout.WriteString(c.dir + "\n" + strings.SplitN(string(pid), "\n", 2)[0] + "\n")
	select {}
}

// A test process that is killed leaves nothing behind: its watchdog stops
// the server and removes the directory.
func TestKilledProcessLeavesNothing(t *testing.T) {
	if disabled() {
		t.Skip(errSkip)
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	var got string
	for !strings.HasSuffix(got, "\n") || strings.Count(got, "\n") < 2 {
		n, err := out.Read(buf)
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("helper: %v (printed %q)", err, got)
		}
		got += string(buf[:n])
	}
	lines := strings.Split(got, "\n")
	dir, pid := lines[0], atoi(t, lines[1])
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, statErr := os.Stat(dir)
		alive := syscall.Kill(pid, 0) == nil && !isZombie(pid)
		if os.IsNotExist(statErr) && !alive {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after kill -9: directory %s exists: %v; postgres %d alive: %v", dir, statErr == nil, pid, alive)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// isZombie reports whether pid has exited but not been reaped (the
// postmaster's parent, pg_ctl, is long gone; init reaps it in its time).
func isZombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] == 'Z'
}

// ServerCPU grows when the server works.
func TestServerCPU(t *testing.T) {
	t.Parallel()
	c := Start(t)
	before, err := c.ServerCPU()
	if err != nil {
		t.Fatal(err)
	}
	conn := connect(t, c.URL(t))
	exec1(t, conn, "SELECT count(*) FROM generate_series(1, 3000000)")
	after, err := c.ServerCPU()
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Errorf("server CPU before %v, after a query %v", before, after)
	}
}
