package pgstore_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/ttpnl/ttp/server/store/pgstore"
	"github.com/ttpnl/ttp/server/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func pgtestURL(t testing.TB) string { return pgtest.URL(t) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// open opens a store on url, closed when the test ends.
func open(t testing.TB, url string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), url, quiet)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
