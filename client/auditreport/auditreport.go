// Package auditreport is the supervisory committee's report of the audit
// log (DESIGN §6): for a linkage request, or for a period, every record —
// requests, approvals, rejections, conversions, refusals, and whatever
// actions a later server audits — with who, when, counts and key
// versions, and totals by action. It is made from the log as package
// auditlog proves it, never from what the server says about it: the
// records it shows are a run of consecutive records of a signed
// checkpoint's tree, proved whole, so the server can neither change a
// record nor leave one out.
//
// A period is complete because the server stamps records with times that
// never go back along the log (server/audit): the report reads the run
// from the last record before the period to the first after it and checks
// that the times in it do not go back either. A request's records are
// complete from its creation on: the report reads from a little before the
// time the server gives for it and checks that the run holds the record of
// its creation.
package auditreport

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ttpnl/ttp/client/auditlog"
)

// Query says what a report covers.
type Query struct {
	// Request selects the records of one linkage request; 0: all records.
	Request uint64
	// From and To bound the period, From included, To not; zero: open.
	From, To time.Time
	// Created is when the server says Request was made: where reading
	// starts, less CreatedMargin. It is a hint only: the report checks
	// that its creation is in what it read.
	Created time.Time
}

// CreatedMargin is how far before a request's creation time the report
// reads: the server stamps the request before its record.
const CreatedMargin = time.Hour

// CreateAction is the action of a request's creation record, where its
// records begin.
const CreateAction = "CreateLinkageRequest"

// Report is a committee report.
type Report struct {
	// Log is the log's name (the checkpoint's origin), TreeSize and Root
	// the checkpoint the records are proved against.
	Log      string `json:"log"`
	TreeSize uint64 `json:"tree_size"`
	Root     string `json:"root"`
	// Kept is the checkpoint the member kept and the log was proved to
	// extend, if any (set by the caller that proved it).
	Kept *Kept `json:"kept_checkpoint,omitempty"`
	// First and Last are the run of records read and proved whole.
	First uint64 `json:"first_read"`
	Last  uint64 `json:"last_read"`

	Request uint64     `json:"request,omitempty"`
	From    *time.Time `json:"from,omitempty"`
	To      *time.Time `json:"to,omitempty"`

	Totals []Total           `json:"totals"`
	Events []auditlog.Record `json:"events"`
}

// Kept names a checkpoint the member kept.
type Kept struct {
	File string `json:"file"`
	Size uint64 `json:"tree_size"`
}

// Total adds up the records of one action with one outcome.
type Total struct {
	Action      string   `json:"action"`
	Outcome     string   `json:"outcome"`
	Count       int64    `json:"count"`
	Records     int64    `json:"records"`
	Accepted    int64    `json:"accepted"`
	Rejected    int64    `json:"rejected"`
	Pseudonyms  int64    `json:"pseudonyms"`
	KeyVersions []uint32 `json:"key_versions"`
}

// ErrIncomplete reports a run of records that cannot be shown to hold all
// the records the report is of.
var ErrIncomplete = errors.New("the report cannot be shown complete")

// Build reads the records q covers from log, proved, and makes the report.
func Build(ctx context.Context, log *auditlog.Log, q Query) (*Report, error) {
	r := &Report{Log: log.Head.Origin, TreeSize: log.Head.Size, Root: log.Head.Hash.String(), Request: q.Request, Totals: []Total{}, Events: []auditlog.Record{}}
	if !q.From.IsZero() {
		r.From = &q.From
	}
	if !q.To.IsZero() {
		r.To = &q.To
	}
	if log.Head.Size == 0 {
		if q.Request != 0 {
			return nil, fmt.Errorf("%w: the log is empty, and holds no creation of request %d", ErrIncomplete, q.Request)
		}
		return r, nil
	}
	start := q.From
	if hint := q.Created.Add(-CreatedMargin); q.Request != 0 && hint.After(start) {
		start = hint
	}
	var err error
	r.First, r.Last = 1, log.Head.Size
	if !start.IsZero() {
		if r.First, err = log.FirstAt(ctx, start); err != nil {
			return nil, err
		}
		r.First = max(1, min(r.First-1, log.Head.Size)) // the record before, to show it is before
	}
	if !q.To.IsZero() {
		if r.Last, err = log.FirstAt(ctx, q.To); err != nil {
			return nil, err
		}
		r.Last = max(r.First, min(r.Last, log.Head.Size)) // the record after, to show it is after
	}

	var first, prev auditlog.Record
	created := false
	totals := map[[2]string]int{}
	err = log.Range(ctx, r.First, r.Last, func(e auditlog.Entry) error {
		rec := e.Record
		if rec.Seq == r.First {
			first = rec
		} else if rec.Time.Before(prev.Time) {
			return fmt.Errorf("%w: record %d is stamped before record %d, so the log's times go back", ErrIncomplete, rec.Seq, prev.Seq)
		}
		prev = rec
		if q.Request != 0 && rec.Request != q.Request {
			return nil
		}
		if q.Request != 0 && rec.Action == CreateAction && rec.Outcome == "ok" {
			created = true
		}
		if !q.From.IsZero() && rec.Time.Before(q.From) || !q.To.IsZero() && !rec.Time.Before(q.To) {
			return nil
		}
		r.Events = append(r.Events, rec)
		r.add(totals, rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// No record of the period lies outside the run: it starts with the
	// log's first record or one before the period, and ends with the log's
	// last or one after it (times never go back along the log).
	if !start.IsZero() && r.First > 1 && !first.Time.Before(start) {
		return nil, fmt.Errorf("%w: record %d, where the run starts, is not before %s", ErrIncomplete, r.First, start.Format(time.RFC3339))
	}
	if !q.To.IsZero() && r.Last < log.Head.Size && prev.Time.Before(q.To) {
		return nil, fmt.Errorf("%w: record %d, where the run ends, is before %s", ErrIncomplete, r.Last, q.To.Format(time.RFC3339))
	}
	if q.Request != 0 && q.From.IsZero() && (q.To.IsZero() || q.To.After(q.Created)) && !created {
		return nil, fmt.Errorf("%w: records %d..%d hold no creation of request %d, though the server says it was made at %s",
			ErrIncomplete, r.First, r.Last, q.Request, q.Created.UTC().Format(time.RFC3339))
	}
	return r, nil
}

// add counts rec in the totals, one for each action and outcome in the
// order they first appear: an action a later server audits gets its own
// line without a change here.
func (r *Report) add(totals map[[2]string]int, rec auditlog.Record) {
	k := [2]string{rec.Action, rec.Outcome}
	i, ok := totals[k]
	if !ok {
		i = len(r.Totals)
		totals[k] = i
		r.Totals = append(r.Totals, Total{Action: rec.Action, Outcome: rec.Outcome, KeyVersions: []uint32{}})
	}
	t := &r.Totals[i]
	t.Count++
	t.Records += rec.Records
	t.Accepted += rec.Accepted
	t.Rejected += rec.Rejected
	t.Pseudonyms += rec.Pseudonyms
	if v := rec.KeyVersion; v != 0 && !slices.Contains(t.KeyVersions, v) {
		t.KeyVersions = append(t.KeyVersions, v)
		slices.Sort(t.KeyVersions)
	}
}
