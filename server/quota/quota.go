// Package quota limits what each principal may ask of the server per unit of
// time, on every path that makes pseudonyms. It is one package so that every
// path is limited the same way.
package quota

import (
	"sync"
	"time"

	"github.com/ttpnl/ttp/server/apierr"
)

// Quota is a token bucket per principal: Rate units (elements, records) per
// second, at most Burst at once. The zero Quota, or a nil one, is unlimited.
// It answers ResourceExhausted when a principal has used up its tokens: the
// defence against dictionary building on a pseudonymisation oracle
// (docs/oblivious.md, "Dictionary attacks and quotas").
type Quota struct {
	Rate  float64 // tokens per second
	Burst float64 // bucket size
	Now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// Take takes n tokens of principal's bucket, or none and an error.
func (q *Quota) Take(principal string, n int) error {
	if q == nil || q.Rate <= 0 {
		return nil
	}
	now := time.Now
	if q.Now != nil {
		now = q.Now
	}
	t := now()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.buckets == nil {
		q.buckets = map[string]*bucket{}
	}
	b, ok := q.buckets[principal]
	if !ok {
		b = &bucket{tokens: q.Burst, last: t}
		q.buckets[principal] = b
	}
	b.tokens = min(q.Burst, b.tokens+t.Sub(b.last).Seconds()*q.Rate)
	b.last = t
	if float64(n) > b.tokens {
		return apierr.New(apierr.ResourceExhausted, "principal %q has used its quota (%g per second, bursts of %g); try again later", principal, q.Rate, q.Burst)
	}
	b.tokens -= float64(n)
	return nil
}
