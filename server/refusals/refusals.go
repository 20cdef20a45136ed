// Package refusals records refused calls in the audit log: who was refused
// what, and why (authentication, authorisation, quota, limit, invalid
// request), never what the call carried.
//
// A refusal costs the caller nothing, so a caller can send refused calls as
// fast as the network carries them; writing a durable audit record for each
// would let it fill the log and the disk, and slow every honest call that
// waits for the log. So refusals are counted per principal, method and
// reason, and written per Window: the first refusal of a kind in a window
// is written at once (in the background: a refusal never waits for the
// store), and the rest of the window's refusals of that kind as one record
// with their count when the window ends. At most two records per kind per
// window, however many calls; a crash loses at most the counts of the
// window it ends.
package refusals

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ttpnl/ttp/server/audit"
)

// Window is how long refusals of one kind are counted together.
const Window = time.Minute

// MaxKinds bounds the kinds counted at once. Principals come from
// certificates the TTP's CA issued, so the number of kinds is small; past
// this bound, refusals are counted under one principal named Others.
const MaxKinds = 10_000

// Others names the principal of refusals counted past MaxKinds.
const Others = "(others)"

// Kind is what refusals are counted by.
type Kind struct {
	Actor  audit.Actor
	Method string // the method's short name, e.g. "CodeStream"
	Reason string // authentication, authorisation, quota, limit, invalid request
}

type tally struct {
	first   time.Time
	count   int    // refusals not yet written
	written bool   // the first one is written
	detail  string // the first refusal's message
}

// Log counts refusals and writes them to an audit log.
type Log struct {
	audit  *audit.Log
	now    func() time.Time
	log    *slog.Logger
	Window time.Duration

	writing sync.Mutex // one write at a time: Flush returns when all is written
	mu      sync.Mutex
	tallies map[Kind]*tally
	order   []Kind // in order of first refusal: records come out in that order
	wake    chan struct{}
}

// New returns a Log that writes to a.
func New(a *audit.Log, now func() time.Time, log *slog.Logger) *Log {
	return &Log{audit: a, now: now, log: log, Window: Window, tallies: map[Kind]*tally{}, wake: make(chan struct{}, 1)}
}

// Record counts one refusal; detail is the message the caller got. It
// never blocks.
func (l *Log) Record(k Kind, detail string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.tallies[k]
	if !ok && len(l.tallies) >= MaxKinds {
		k.Actor = audit.Actor{Principal: Others}
		t, ok = l.tallies[k]
	}
	if !ok {
		t = &tally{first: l.now(), detail: truncate(detail, 200)}
		l.tallies[k] = t
		l.order = append(l.order, k)
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	t.count++
}

// Run writes refusals until ctx ends: first refusals at once, counts at the
// end of every window, and what is left when ctx ends.
func (l *Log) Run(ctx context.Context) {
	tick := time.NewTicker(l.Window)
	defer tick.Stop()
	for {
		select {
		case <-l.wake:
			l.write(context.WithoutCancel(ctx), false)
		case <-tick.C:
			l.write(context.WithoutCancel(ctx), true)
		case <-ctx.Done():
			l.write(context.WithoutCancel(ctx), true)
			return
		}
	}
}

// Flush writes every count not yet written and starts a new window.
func (l *Log) Flush(ctx context.Context) error { return l.write(ctx, true) }

// write writes the first refusal of every kind not yet written, or, at the
// end of a window (all), every count, and forgets the kinds.
func (l *Log) write(ctx context.Context, all bool) error {
	l.writing.Lock()
	defer l.writing.Unlock()
	l.mu.Lock()
	var recs []audit.Record
	for _, k := range l.order {
		t := l.tallies[k]
		if t.count == 0 || (t.written && !all) {
			continue
		}
		recs = append(recs, record(k, t, l.now()))
		t.count, t.written = 0, true
	}
	if all {
		l.tallies, l.order = map[Kind]*tally{}, nil
	}
	l.mu.Unlock()
	for _, rec := range recs {
		if err := l.audit.Append(ctx, rec, nil); err != nil {
			l.log.Error("audit log: refused calls not recorded", "principal", rec.Principal, "action", rec.Action, "calls", rec.Records, "err", err)
			return err
		}
	}
	return nil
}

// record is the audit record of t's count of refusals of kind k.
func record(k Kind, t *tally, now time.Time) audit.Record {
	rec := k.Actor.Record(k.Method)
	rec.Outcome = "refused: " + k.Reason
	rec.Records = int64(t.count)
	rec.Detail = t.detail
	if t.written || t.count > 1 {
		rec.Detail = fmt.Sprintf("%d refused since %s; first: %s", t.count, t.first.UTC().Format(time.RFC3339), t.detail)
	}
	rec.Time = now
	return rec
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 { // not in the middle of a UTF-8 sequence
		n--
	}
	return s[:n] + "…"
}
