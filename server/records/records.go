// Package records holds what coding and registration both take from a
// caller: records of identifying values with their row keys, the limits on
// them, and the check every chunk passes before any work is done.
package records

import (
	"unicode/utf8"

	"github.com/ttpnl/ttp/apilimits"
	"github.com/ttpnl/ttp/server/apierr"
)

// Limits on one request, shared with the client (package apilimits).
const (
	MaxPerChunk    = apilimits.MaxRecordsPerMessage // records in one stream message
	MaxPerCall     = apilimits.MaxRecordsPerCall    // records in one unary call
	MaxValueBytes  = apilimits.MaxValueBytes
	MaxRowKeyBytes = apilimits.MaxRowKeyBytes
)

// Record is one record: its values in the request's field order, and its key
// within the caller's file (the client's row number), which comes back with
// the answer.
type Record struct {
	RowKey string
	Values []string
}

// Check rejects a malformed chunk as a whole, before any record is coded or
// registered: a record with the wrong number of values is a bug in the
// caller, not a data problem of the hospital. An empty chunk is refused too:
// it does no work but would still cost an audit record.
func Check(recs []Record, fields []string, max int) error {
	if len(recs) == 0 {
		return apierr.BadField("records", "no records")
	}
	if len(recs) > max {
		return apierr.New(apierr.ResourceExhausted, "%d records in one message; at most %d", len(recs), max)
	}
	for i, r := range recs {
		if len(r.Values) != len(fields) {
			return apierr.BadField("records", "record %d has %d values for %d fields", i, len(r.Values), len(fields))
		}
		if len(r.RowKey) > MaxRowKeyBytes || !utf8.ValidString(r.RowKey) {
			return apierr.BadField("records", "record %d: row key is longer than %d bytes or not UTF-8", i, MaxRowKeyBytes)
		}
		for k, v := range r.Values {
			if len(v) > MaxValueBytes {
				return apierr.BadField("records", "record %d, field %s: value longer than %d bytes", i, fields[k], MaxValueBytes)
			}
		}
	}
	return nil
}
