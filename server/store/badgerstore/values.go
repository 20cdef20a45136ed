package badgerstore

import (
	"bytes"
	"time"
)

// stamp is a time as stored: seconds and nanoseconds since the Unix epoch,
// which also hold the zero time. It reads back in UTC.
type stamp struct {
	Sec  int64 `json:"s"`
	Nsec int32 `json:"n,omitempty"`
}

func toStamp(t time.Time) stamp { return stamp{Sec: t.Unix(), Nsec: int32(t.Nanosecond())} }

func (s stamp) time() time.Time { return time.Unix(s.Sec, int64(s.Nsec)).UTC() }

// nilIfEmpty is the rule for slices read back: empty ones are nil.
func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// cloneBytes copies b, nil when empty: for bytes read from Badger, valid
// only until the read returns, and for callers' bytes, which are theirs
// again once a write returns.
func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}
