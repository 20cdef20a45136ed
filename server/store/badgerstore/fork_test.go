package badgerstore_test

import (
	"log/slog"
	"os/exec"
	"testing"

	"github.com/ttpnl/ttp/server/store/badgerstore"
)

// TestOpenWhileForking: a process forking commands beside Open (as a test
// running ttp does) never makes Open find the directory locked by itself.
func TestOpenWhileForking(t *testing.T) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				exec.Command("/bin/true").Run()
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for i := range 40 {
		s, err := badgerstore.Open(t.TempDir(), make([]byte, 32), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		s.Close()
	}
}
