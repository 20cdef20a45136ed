package pgtest

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// watchdogScript stops a cluster and removes its directory once its
// standard input reaches end of file: when the test process closes the
// pipe on purpose, or when it dies and the kernel closes it. $1 is the
// directory, $2 pg_ctl. An immediate stop is enough for a cluster that is
// thrown away; pg_ctl waits until PostgreSQL has exited.
const watchdogScript = `read -r _
"$2" stop -D "$1/data" -m immediate -w -s >/dev/null 2>&1
rm -rf "$1"
`

// watchdog is the process that cleans up after a cluster.
type watchdog struct {
	done  chan error // receives the watchdog's exit status
	alive io.Closer  // our end of its standard input
}

// startWatchdog starts the watchdog for the cluster in dir, as the cluster's
// user (who owns dir, so may remove it), in a process group of its own, so
// that a Ctrl-C meant for the tests does not stop it before it has cleaned
// up.
func startWatchdog(as runAs, dir, binDir string) (*watchdog, error) {
	cmd := as.command(dir, "/bin/sh", "-c", watchdogScript, "pgtest-watchdog", dir, filepath.Join(binDir, "pg_ctl"))
	cmd.SysProcAttr.Setpgid = true
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgtest: start the watchdog: %w", err)
	}
	w := &watchdog{done: make(chan error, 1), alive: stdin}
	go func() { w.done <- cmd.Wait() }()
	return w, nil
}

// stop has the watchdog stop the cluster and remove its directory, and
// waits for that.
func (w *watchdog) stop(timeout time.Duration) error {
	w.alive.Close()
	select {
	case err := <-w.done:
		if err != nil {
			return fmt.Errorf("pgtest: the watchdog failed to clean up: %w", err)
		}
		return nil
	case <-time.After(timeout):
		return errors.New("pgtest: the watchdog did not finish cleaning up in time")
	}
}
