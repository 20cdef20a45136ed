// Package limits bounds what one principal can make the server hold at
// once, so that a flood from one certificate keeps the server within its
// memory limit: calls running at once, bytes of stream messages received
// and not yet answered, and the objects one message decodes into.
//
// Without these, 120 streams of one broker, each sending messages of
// 16 MiB made of the smallest records, took ttpd to 2.5 GB (a 16 MiB
// message of one-letter records decodes into about 300 MB).
package limits

import (
	"context"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/ttpnl/ttp/server/apierr"
)

// Reason is the apierr reason of a refusal by a limit.
const Reason = "LIMIT_EXCEEDED"

// Limits are per-principal limits. The zero value of a field is no limit.
type Limits struct {
	Calls         int   // calls running at once
	InFlightBytes int64 // bytes of stream messages held at once

	mu         sync.Mutex
	principals map[string]*principal
}

type principal struct {
	calls int
	bytes *semaphore.Weighted
}

func (l *Limits) get(name string) *principal {
	if l.principals == nil {
		l.principals = map[string]*principal{}
	}
	p, ok := l.principals[name]
	if !ok {
		p = &principal{}
		if l.InFlightBytes > 0 {
			p.bytes = semaphore.NewWeighted(l.InFlightBytes)
		}
		l.principals[name] = p
	}
	return p
}

// StartCall takes one of name's call slots, or refuses the call with
// ResourceExhausted. done gives the slot back.
func (l *Limits) StartCall(name string) (done func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.get(name)
	if l.Calls > 0 && p.calls >= l.Calls {
		e := apierr.New(apierr.ResourceExhausted, "principal %q has %d calls running, the most it may have at once; wait for one to end", name, p.calls)
		e.Reason = Reason
		return nil, e
	}
	p.calls++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			p.calls--
			l.mu.Unlock()
		})
	}, nil
}

// Hold waits until n more bytes of name's budget are free and takes them.
// A message larger than the whole budget takes all of it. release gives
// them back.
func (l *Limits) Hold(ctx context.Context, name string, n int64) (release func(), err error) {
	l.mu.Lock()
	sem := l.get(name).bytes
	l.mu.Unlock()
	if sem == nil {
		return func() {}, nil
	}
	n = min(n, l.InFlightBytes)
	if err := sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { sem.Release(n) }) }, nil
}
