package quota_test

import (
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/quota"
)

func TestQuota(t *testing.T) {
	now := time.Unix(1000, 0)
	q := &quota.Quota{Rate: 10, Burst: 100, Now: func() time.Time { return now }}
	if err := q.Take("a", 100); err != nil {
		t.Fatal(err)
	}
	if err := q.Take("a", 1); apierr.KindOf(err) != apierr.ResourceExhausted {
		t.Fatalf("over the burst: %v", err)
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
	var unlimited *quota.Quota
	if err := unlimited.Take("a", 1<<30); err != nil {
		t.Fatal(err)
	}
}
