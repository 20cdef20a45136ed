package pgtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Cluster is a throwaway PostgreSQL cluster: a data directory and a running
// server, owned by this test process.
type Cluster struct {
	dir    string // holds data/, the Unix socket and postgres.log
	binDir string
	as     runAs
	port   int
	dog    *watchdog

	mu      sync.Mutex
	dbs     int  // databases made so far, to name the next
	private bool // a Start cluster: its databases go with it
	closed  bool
}

// clusterSettings are appended to postgresql.conf. fsync and
// synchronous_commit are PostgreSQL's defaults, stated so that nobody
// "speeds up" the tests by turning off what durability tests rely on.
const clusterSettings = `
listen_addresses = '127.0.0.1'
unix_socket_directories = %s
fsync = on
synchronous_commit = on
max_connections = 200
`

// maxSocketDir keeps the socket's path (dir/.s.PGSQL.65535) within the
// 107 bytes that Linux allows.
const maxSocketDir = 80

// startTimeout bounds initdb and each start of the server.
const startTimeout = 60 * time.Second

// newCluster makes and starts a cluster in a new temporary directory, with
// settings (postgresql.conf lines) after ours.
func newCluster(settings ...string) (_ *Cluster, err error) {
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	as, err := newRunAs()
	if err != nil {
		return nil, err
	}
	parent := os.TempDir()
	if len(parent) > maxSocketDir-len("/ttp-pgtest-1234567890") {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "ttp-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if err := as.chown(dir); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{dir: dir, binDir: binDir, as: as}
	// The watchdog comes first, so that whatever happens from here on,
	// the directory goes when this process does.
	if c.dog, err = startWatchdog(as, dir, binDir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	if err := c.initdb(); err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(clusterSettings, quoteConf(c.dir)) + strings.Join(settings, "\n") + "\n"
	if err := appendFile(filepath.Join(c.dataDir(), "postgresql.conf"), conf); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	// The free port may be taken between our probe and the server's bind:
	// then try another.
	for try := 0; ; try++ {
		if c.port, err = freePort(); err != nil {
			return nil, fmt.Errorf("pgtest: find a free port: %w", err)
		}
		err = c.start()
		if err == nil || try == 2 || !strings.Contains(c.logTail(), "Address already in use") {
			return c, err
		}
	}
}

// initdb creates the data directory: trust authentication (the socket's
// directory is ours alone; TCP listens on loopback only), UTF-8, C
// collation. --no-sync skips only initdb's final flush of the files it
// wrote, which a throwaway cluster does not need; the server itself runs
// with fsync on.
func (c *Cluster) initdb() error {
	return c.run(startTimeout, "initdb", "-D", c.dataDir(), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
}

// start starts the server on c.port and waits until it accepts
// connections.
func (c *Cluster) start() error {
	err := c.run(startTimeout, "pg_ctl", "start", "-D", c.dataDir(), "-l", c.logFile(),
		"-w", "-t", strconv.Itoa(int(startTimeout/time.Second)), "-s", "-o", "-p "+strconv.Itoa(c.port))
	if err != nil {
		return fmt.Errorf("%w\npostgres.log ends:\n%s", err, c.logTail())
	}
	return nil
}

// Kill stops the server at once, as a crash would: no checkpoint, and
// connections are cut. Restart brings it back through WAL recovery.
func (c *Cluster) Kill(t testing.TB) {
	t.Helper()
	if err := c.run(startTimeout, "pg_ctl", "stop", "-D", c.dataDir(), "-m", "immediate", "-w", "-s"); err != nil {
		t.Fatal(err)
	}
}

// Restart kills the server if it runs, and starts it again on the same
// port and socket: committed transactions must have survived.
func (c *Cluster) Restart(t testing.TB) {
	t.Helper()
	if c.run(startTimeout, "pg_ctl", "status", "-D", c.dataDir()) == nil {
		c.Kill(t)
	}
	if err := c.start(); err != nil {
		t.Fatal(err)
	}
}

// close stops the server and removes the directory, through the watchdog.
func (c *Cluster) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	return c.dog.stop(startTimeout)
}

// run runs one of PostgreSQL's programs as the cluster's user; its output
// goes into the error.
func (c *Cluster) run(timeout time.Duration, program string, args ...string) error {
	cmd := c.as.command(c.dir, filepath.Join(c.binDir, program), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl start leaves the server running with its output in the log
	// file, not in our pipe; WaitDelay guards against one that does not.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: %s: %w", program, err)
	}
	timer := time.AfterFunc(timeout, func() { cmd.Process.Kill() })
	defer timer.Stop()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("pgtest: %s %s: %w\n%s", program, strings.Join(args, " "), err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

func (c *Cluster) dataDir() string { return filepath.Join(c.dir, "data") }
func (c *Cluster) logFile() string { return filepath.Join(c.dir, "postgres.log") }

// logTail is the end of the server's log, for error messages.
func (c *Cluster) logTail() string {
	b, err := os.ReadFile(c.logFile())
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// freePort asks the kernel for a TCP port on loopback that is free now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// quoteConf quotes a string for postgresql.conf.
func quoteConf(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	return errors.Join(err, f.Close())
}
