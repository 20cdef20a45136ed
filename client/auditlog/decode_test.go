package auditlog

import (
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	good := `{"seq":3,"time":"2026-03-01T12:00:00+01:00","principal":"committee","action":"ApproveLinkageRequest","outcome":"ok","request":1,"detail":"x","prev":"ab","later_field":7}`
	r, err := Decode(3, []byte(good))
	if err != nil || r.Request != 1 || r.Time.Location().String() != "UTC" || r.Time.Hour() != 11 {
		t.Fatalf("Decode: %+v, %v", r, err)
	}
	for _, c := range []struct{ raw, want string }{
		{good, "record 4 says it is record 3"},
		{`{"seq":4,"principal":"p","action":"a"}`, "record 4 has no time"},
		{`{"seq":4,"time":"2026-03-01T12:00:00Z","action":"a"}`, "names no action or no principal"},
		{`[1]`, "record 4 is not an audit record"},
	} {
		if _, err := Decode(4, []byte(c.raw)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Decode(4, %s): %v; want %q", c.raw, err, c.want)
		}
	}
}

// FuzzDecode: what a server sends as a record never panics the reader, and
// what it accepts is the record it was asked for, with a time.
func FuzzDecode(f *testing.F) {
	f.Add(uint64(3), []byte(`{"seq":3,"time":"2026-03-01T12:00:00Z","principal":"c","action":"a","outcome":"ok"}`))
	f.Add(uint64(1), []byte(`{"seq":1,"time":"0001-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, seq uint64, raw []byte) {
		r, err := Decode(seq, raw)
		if err == nil && (r.Seq != seq || r.Time.IsZero() || r.Action == "") {
			t.Fatalf("accepted %+v as record %d", r, seq)
		}
	})
}
