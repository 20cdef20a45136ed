package quota_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/quota"
)

func TestQuota(t *testing.T) {
	now := time.Unix(1000, 0)
	q := &quota.Quota{Name: "pseudonyms", Default: quota.Limit{Rate: 10, Burst: 100}, Now: func() time.Time { return now },
		Principals: map[string]quota.Limit{"big": {Rate: 1000, Burst: 10_000}, "free": {}}}
	if err := q.Take("a", 100); err != nil {
		t.Fatal(err)
	}
	err := q.Take("a", 5)
	var e *apierr.Error
	if !errors.As(err, &e) || e.Kind != apierr.ResourceExhausted || e.Reason != quota.Reason {
		t.Fatalf("over the burst: %v", err)
	}
	if e.RetryAfter != 500*time.Millisecond {
		t.Fatalf("5 tokens at 10/s: retry after %v, want 500ms", e.RetryAfter)
	}
	if err := q.Take("b", 50); err != nil {
		t.Fatalf("another principal has its own bucket: %v", err)
	}
	now = now.Add(2 * time.Second)
	if err := q.Take("a", 20); err != nil {
		t.Fatalf("after 2 s at 10/s: %v", err)
	}
	if err := q.Take("a", 1); err == nil {
		t.Fatal("bucket should be empty again")
	}
	if err := q.Take("big", 10_000); err != nil {
		t.Fatalf("a principal's own limit: %v", err)
	}
	if err := q.Take("free", 1<<30); err != nil {
		t.Fatalf("an unlimited principal: %v", err)
	}
	if err := q.Take("c", 101); !errors.As(err, &e) || e.RetryAfter != 0 || e.Reason != quota.Reason {
		t.Fatalf("more than the burst can never be taken, so no retry time: %v", err)
	}
	var unlimited *quota.Quota
	if err := unlimited.Take("a", 1<<30); err != nil {
		t.Fatal(err)
	}
}

// TestSetLimitsKeepsBuckets: new limits apply to the next Take, and a
// bucket emptied before keeps what it holds: raising a limit refills it at
// the new rate, not at once, and lowering the burst caps what it holds.
func TestSetLimitsKeepsBuckets(t *testing.T) {
	now := time.Unix(1000, 0)
	q := &quota.Quota{Name: "registrations", Default: quota.Limit{Rate: 10, Burst: 100}, Now: func() time.Time { return now }}
	if err := q.Take("a", 100); err != nil {
		t.Fatal(err)
	}
	q.SetLimits(quota.Limit{Rate: 10, Burst: 1000}, nil)
	if err := q.Take("a", 1); err == nil {
		t.Fatal("a raised burst refilled an empty bucket at once")
	}
	now = now.Add(time.Second)
	if err := q.Take("a", 10); err != nil {
		t.Fatalf("after a second at 10/s: %v", err)
	}
	q.SetLimits(quota.Limit{Rate: 10, Burst: 5}, map[string]quota.Limit{"b": {}})
	now = now.Add(time.Hour)
	if err := q.Take("a", 6); err == nil {
		t.Fatal("a lowered burst still allows more at once")
	}
	if err := q.Take("a", 5); err != nil {
		t.Fatalf("within the lowered burst: %v", err)
	}
	if err := q.Take("b", 1<<30); err != nil {
		t.Fatalf("a principal made unlimited: %v", err)
	}
}
