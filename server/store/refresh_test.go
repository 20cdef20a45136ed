package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// sharedness is a Store that only answers Shared: the refresher asks
// nothing else.
type sharedness struct {
	Store
	shared bool
}

func (s sharedness) Shared() bool { return s.shared }

func TestRefresher(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	for _, shared := range []bool{false, true} {
		loads := 0
		var fail error
		r := NewRefresher(sharedness{shared: shared}, func(context.Context) error { loads++; return fail }, clock)
		if err := r.Load(context.Background()); err != nil || loads != 1 {
			t.Fatalf("shared %v: Load = %v, %d loads", shared, err, loads)
		}
		r.Stale()
		if loads != 1 {
			t.Fatalf("shared %v: a fresh copy was reloaded", shared)
		}
		now = now.Add(RefreshInterval)
		r.Stale()
		if want := map[bool]int{false: 1, true: 2}[shared]; loads != want {
			t.Fatalf("shared %v: %d loads after the interval, want %d", shared, loads, want)
		}
		if got := r.Missed(); got != shared {
			t.Fatalf("shared %v: Missed reloaded = %v", shared, got)
		}
		fail = errors.New("store down")
		if r.Missed() {
			t.Fatalf("shared %v: a failed reload reported as done", shared)
		}
	}
}
