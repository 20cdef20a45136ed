package refusals_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/refusals"
	"github.com/ttpnl/ttp/server/store/badgerstore"
)

// TestWindows: per kind and window, the first refusal is written at once
// and the rest as one count at the end of the window; a new window starts
// over; Run writes what is left when it stops.
func TestWindows(t *testing.T) {
	ctx := context.Background()
	st, err := badgerstore.Open(t.TempDir(), bytes.Repeat([]byte{1}, 32), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mu sync.Mutex
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	l := refusals.New(audit.New(st, clock), clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	l.Window = time.Hour // the test ends windows with Flush
	all := func() []audit.Record {
		var out []audit.Record
		if err := audit.Each(ctx, st, func(r audit.Record, _ []byte) error { out = append(out, r); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	quota := refusals.Kind{Actor: audit.Actor{Principal: "b", Organisation: "B"}, Method: "Code", Reason: "quota"}
	authz := refusals.Kind{Actor: audit.Actor{Principal: "b", Organisation: "B"}, Method: "CreateDomain", Reason: "authorisation"}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { l.Run(runCtx); close(done) }()
	for range 1000 {
		l.Record(quota, "over the quota")
	}
	l.Record(authz, "may not call")
	deadline := time.Now().Add(10 * time.Second)
	for len(all()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := all(); len(got) != 2 {
		t.Fatalf("before the window ends: %d records, want the first of each kind", len(got))
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := all()
	count := map[string]int64{}
	for _, r := range got {
		if r.Principal != "b" || r.Organisation != "B" || !strings.HasPrefix(r.Outcome, "refused: ") {
			t.Errorf("record %+v", r)
		}
		count[r.Action+" "+r.Outcome] += r.Records
	}
	// The first record of a kind counts what came before the writer ran.
	if len(got) > 3 || count["Code refused: quota"] != 1000 || count["CreateDomain refused: authorisation"] != 1 {
		t.Fatalf("after the window: %d records counting %v, want at most 3 counting 1000 and 1", len(got), count)
	}
	if d := got[0].Detail; !strings.Contains(d, "over the quota") {
		t.Errorf("detail %q does not say why", d)
	}

	// A new window: the first is written at once again; stopping writes
	// the rest.
	l.Record(quota, "over the quota")
	l.Record(quota, "over the quota")
	stop()
	<-done
	count = map[string]int64{}
	for _, r := range all()[len(got):] {
		count[r.Action] += r.Records
	}
	if count["Code"] != 2 {
		t.Fatalf("second window: %v, want 2 Code refusals", count)
	}
}
