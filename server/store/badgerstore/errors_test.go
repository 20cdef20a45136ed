package badgerstore

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/y"

	"github.com/ttpnl/ttp/server/store"
)

// TestErrorsQuoteNoKey checks that Badger's messages, which quote keys,
// do not reach ours, while errors.Is still finds the causes.
func TestErrorsQuoteNoKey(t *testing.T) {
	key := "i/s\x01\x02secret-key-bytes"
	cases := []struct {
		name    string
		badger  error
		is      error
		corrupt bool
	}{
		// How Txn.Get and table reads report a checksum failure: as text.
		{"Checksum", fmt.Errorf("DB::Get key: %q err: %+v", key, y.Wrapf(y.ErrChecksumMismatch, "actual: 1, expected: 2")), store.ErrCorrupt, true},
		{"Wrapped", fmt.Errorf("DB::Get key: %q: %w", key, badger.ErrDBClosed), badger.ErrDBClosed, false},
		{"Other", fmt.Errorf("DB::Get key: %q err: read failed", key), nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := fail("read index source", c.badger)
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("message quotes the key: %q", err)
			}
			if !strings.Contains(err.Error(), "read index source") {
				t.Errorf("message does not say what failed: %q", err)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("errors.Is(%q, %v) is false", err, c.is)
			}
			if errors.Is(err, store.ErrCorrupt) != c.corrupt {
				t.Errorf("errors.Is(%q, ErrCorrupt) = %v", err, !c.corrupt)
			}
		})
	}
	if fail("x", nil) != nil {
		t.Error("fail(nil) is not nil")
	}
}

// TestBadgerLogWithholdsKeys checks the log adapter's filter.
func TestBadgerLogWithholdsKeys(t *testing.T) {
	msg := logMessage("Unable to read: Key: %v, Version : %v", []any{[]byte("secret"), 3})
	if strings.Contains(msg, "secret") {
		t.Errorf("logged %q", msg)
	}
	if got := logMessage("Compaction for level: %d DONE", []any{2}); got != "Compaction for level: 2 DONE" {
		t.Errorf("logged %q", got)
	}
}
