package limits_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/limits"
)

// TestCodecRefusesBeforeDecoding: a message of more repeated entries than
// MaxEntries, counted over nested messages too, is refused with
// ResourceExhausted; one at the bound decodes as the protobuf codec would.
func TestCodecRefusesBeforeDecoding(t *testing.T) {
	c := limits.NewCodec()
	message := func(records, values int) []byte {
		req := &ttpv1.CodeStreamRequest{Domain: "d", Fields: []string{"bsn"}}
		for range records {
			req.Records = append(req.Records, &ttpv1.Record{Values: make([]string, values)})
		}
		raw, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	cases := []struct {
		name            string
		records, values int
		ok              bool
	}{
		{"a real chunk", 10_000, 12, true},               // 10,000 + 120,000 + 1 entries
		{"at the bound", limits.MaxEntries - 1, 0, true}, // and the one field name
		{"one-letter records", limits.MaxEntries, 0, false},
		{"many values in few records", 10, limits.MaxEntries / 10, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got ttpv1.CodeStreamRequest
			err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(message(tc.records, tc.values))}, &got)
			if tc.ok {
				if err != nil || len(got.Records) != tc.records || got.Domain != "d" {
					t.Fatalf("got %d records, %v", len(got.Records), err)
				}
				return
			}
			if status.Code(err) != codes.ResourceExhausted || len(got.Records) != 0 {
				t.Fatalf("got %v with %d records decoded, want ResourceExhausted before decoding", err, len(got.Records))
			}
		})
	}
}
