package pgtest

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
)

// clusters are the clusters this process started and has not yet closed.
var clusters struct {
	sync.Mutex
	live map[*Cluster]bool
}

// shared is the cluster that URL uses, started on first use. A failure to
// start is remembered: every test that needs it fails with the same error.
var shared struct {
	once    sync.Once
	cluster *Cluster
	err     error
}

func sharedCluster() (*Cluster, error) {
	if disabled() {
		return nil, errSkip
	}
	shared.once.Do(func() {
		shared.cluster, shared.err = newCluster()
		if shared.err == nil {
			track(shared.cluster)
		}
	})
	return shared.cluster, shared.err
}

// errSkip is not an error: it is turned into a skip.
var errSkip = errors.New("pgtest: TTP_TEST_POSTGRES=off: PostgreSQL tests skipped")

// Start starts a private cluster for the test, for a test that needs the
// cluster itself, to kill and restart it or to measure it, or that needs
// settings of its own: lines for postgresql.conf, such as
// "shared_buffers = '1GB'". It is stopped and removed when the test ends.
// Its URLs are not dropped one by one.
func Start(t testing.TB, settings ...string) *Cluster {
	t.Helper()
	if disabled() {
		t.Skip(errSkip)
	}
	c, err := newCluster(settings...)
	if err != nil {
		t.Fatal(err)
	}
	c.private = true
	track(c)
	t.Cleanup(func() {
		if err := untrackAndClose(c); err != nil {
			t.Error(err)
		}
	})
	return c
}

// Main runs the tests, then stops the clusters and removes their
// directories, and exits. Call it from TestMain in every package that uses
// pgtest.
func Main(m *testing.M) {
	code := m.Run()
	clusters.Lock()
	live := clusters.live
	clusters.live = nil
	clusters.Unlock()
	for c := range live {
		if err := c.close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = max(code, 1)
		}
	}
	os.Exit(code)
}

func track(c *Cluster) {
	clusters.Lock()
	defer clusters.Unlock()
	if clusters.live == nil {
		clusters.live = map[*Cluster]bool{}
	}
	clusters.live[c] = true
}

func untrackAndClose(c *Cluster) error {
	clusters.Lock()
	delete(clusters.live, c)
	clusters.Unlock()
	return c.close()
}
