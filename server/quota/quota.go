// Package quota limits what each principal may ask of the server per unit of
// time, on every path that makes pseudonyms: a pseudonymisation service is a
// dictionary-building oracle for small identifier spaces (a BSN has 10⁸
// valid values, a birth date 5·10⁴), and the quota is what bounds it
// (docs/threat-model.md). It is one package so that every path is limited
// the same way.
package quota

import (
	"math"
	"sync"
	"time"

	"github.com/ttpnl/ttp/server/apierr"
)

// Reason is the apierr reason of a refusal by a quota, so that the audit of
// refused calls and the metrics can tell it from other ResourceExhausted
// answers (size and concurrency limits).
const Reason = "QUOTA_EXCEEDED"

// Limit is one principal's token bucket: Rate tokens a second, at most
// Burst saved up. A zero Rate is unlimited.
type Limit struct {
	Rate  float64
	Burst float64
}

// Unlimited reports whether l limits nothing.
func (l Limit) Unlimited() bool { return l.Rate <= 0 }

// Quota is a token bucket per principal. Every principal has Default unless
// Principals names another limit for it. A nil Quota is unlimited. Once in
// use, its limits change only through SetLimits.
type Quota struct {
	Name       string // what is counted, e.g. "pseudonyms"; in messages
	Default    Limit
	Principals map[string]Limit
	Now        func() time.Time

	mu      sync.Mutex // guards the limits and the buckets
	buckets map[string]*bucket
}

// SetLimits replaces the limits. The buckets keep what they hold (no more
// than a new burst): changing a limit gives no one a fresh quota.
func (q *Quota) SetLimits(def Limit, principals map[string]Limit) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.Default, q.Principals = def, principals
}

type bucket struct {
	tokens float64
	last   time.Time
}

// limitOf is the limit that applies to principal. q.mu is held.
func (q *Quota) limitOf(principal string) Limit {
	if l, ok := q.Principals[principal]; ok {
		return l
	}
	return q.Default
}

// Take takes n tokens of principal's bucket, or none and a ResourceExhausted
// error that says when n tokens will be there (or that they never will: n
// is above the burst).
func (q *Quota) Take(principal string, n int) error {
	if q == nil {
		return nil
	}
	now := time.Now
	if q.Now != nil {
		now = q.Now
	}
	t := now()
	q.mu.Lock()
	defer q.mu.Unlock()
	lim := q.limitOf(principal)
	if lim.Unlimited() {
		return nil
	}
	if q.buckets == nil {
		q.buckets = map[string]*bucket{}
	}
	b, ok := q.buckets[principal]
	if !ok {
		b = &bucket{tokens: lim.Burst, last: t}
		q.buckets[principal] = b
	}
	b.tokens = min(lim.Burst, b.tokens+t.Sub(b.last).Seconds()*lim.Rate)
	b.last = t
	need := float64(n)
	if need <= b.tokens {
		b.tokens -= need
		return nil
	}
	if need > lim.Burst {
		err := apierr.New(apierr.ResourceExhausted, "%d %s in one request is more than principal %q may ever have at once (%.0f); send smaller requests", n, q.Name, principal, lim.Burst)
		err.Reason = Reason
		return err
	}
	wait := time.Duration(math.Ceil((need - b.tokens) / lim.Rate * float64(time.Second)))
	err := apierr.New(apierr.ResourceExhausted, "principal %q has used its quota of %s (%.0f a day, at most %.0f at once); retry after %v",
		principal, q.Name, lim.Rate*86400, lim.Burst, wait.Round(time.Second))
	err.Reason, err.RetryAfter = Reason, wait
	return err
}
