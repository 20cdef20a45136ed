package store

import (
	"context"
	"sync"
	"time"
)

// RefreshInterval bounds how long a change another server made to a shared
// store goes unseen by a cache of it.
const RefreshInterval = time.Second

// Refresher keeps an in-memory copy of part of a store up to date. An
// embedded store is written only by its own process, whose caches write
// through, so nothing is reloaded; on a shared store (Store.Shared) the copy
// is reloaded when it is older than RefreshInterval, and at once on a miss.
type Refresher struct {
	reload   func(context.Context) error
	interval time.Duration // 0: never reload
	now      func() time.Time

	mu     sync.Mutex
	loaded time.Time
}

// NewRefresher returns a refresher that calls reload for st's cache.
func NewRefresher(st Store, reload func(context.Context) error, now func() time.Time) *Refresher {
	r := &Refresher{reload: reload, now: now}
	if st.Shared() {
		r.interval = RefreshInterval
	}
	return r
}

// Load loads the copy now (at start-up); its error is the caller's.
func (r *Refresher) Load(ctx context.Context) error {
	if err := r.reload(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	r.loaded = r.now()
	r.mu.Unlock()
	return nil
}

// Stale reloads the copy if it is older than the interval.
func (r *Refresher) Stale() { r.refresh(r.interval) }

// Missed reloads the copy at once, after a lookup found nothing (another
// server may have just added it). It reports whether it reloaded.
func (r *Refresher) Missed() bool { return r.refresh(0) }

// refresh reloads when the copy is older than maxAge. A failed reload leaves
// the copy as it was: the next call tries again.
func (r *Refresher) refresh(maxAge time.Duration) bool {
	if r.interval == 0 {
		return false
	}
	r.mu.Lock()
	fresh := maxAge > 0 && r.now().Sub(r.loaded) < maxAge
	r.mu.Unlock()
	if fresh {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.Load(ctx) == nil
}
