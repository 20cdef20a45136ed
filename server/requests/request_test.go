package requests

import (
	"strings"
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/apierr"
)

var t0 = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

func newRequest(vars ...Variable) *Request {
	if len(vars) == 0 {
		vars = []Variable{{"tumour_stage", Anonymous}, {"birth_year", Indirect}}
	}
	return &Request{ID: 7, Applicant: "registry", Project: "colon", Purpose: "survival after colon cancer",
		Recipient: "researcher", Sources: []string{"nkr"}, Variables: vars, ValidUntil: t0.AddDate(0, 1, 0), State: Draft}
}

func wantKind(t *testing.T, what string, err error, kind apierr.Kind) {
	t.Helper()
	if err == nil || apierr.KindOf(err) != kind {
		t.Fatalf("%s: %v, want %s", what, err, kind)
	}
}

func TestPolicyApprovals(t *testing.T) {
	p := DefaultPolicy()
	for _, c := range []struct {
		name string
		r    *Request
		want int
	}{
		{"A and B from one registry", newRequest(), 1},
		{"a declared C", newRequest(Variable{"favourite_colour", Direct}), 2},
		// The policy classes birth_date as C: declaring it A does not help.
		{"birth date declared A", newRequest(Variable{"birth_date", Anonymous}), 2},
		{"two sources", func() *Request { r := newRequest(); r.Sources = []string{"nkr", "nhr"}; return r }(), 2},
		{"communication file", func() *Request { r := newRequest(); r.Communication = true; return r }(), 2},
		// A policy never lowers a declared class.
		{"tumour stage declared C", newRequest(Variable{"tumour_stage", Direct}), 2},
	} {
		if got := p.Approvals(c.r); got != c.want {
			t.Errorf("%s: %d approvals, want %d", c.name, got, c.want)
		}
	}
}

func TestPolicyFileIsChecked(t *testing.T) {
	if _, err := parsePolicy([]byte(`{"classes":{"x":"D"}}`)); err == nil {
		t.Error("class D accepted")
	}
	if _, err := parsePolicy([]byte(`{"classes":{},"approve":1}`)); err == nil {
		t.Error("unknown field accepted")
	}
}

// The whole life of a four-eyes request, and every refusal on the way.
func TestFourEyes(t *testing.T) {
	p := DefaultPolicy()
	r := newRequest(Variable{"birth_date", Direct})
	_, err := r.Approve("committee", "", t0)
	wantKind(t, "approve a draft", err, apierr.FailedPrecondition)
	wantKind(t, "submit by another", r.Submit("registry2", p, t0), apierr.PermissionDenied)
	if err := r.Submit("registry", p, t0); err != nil || r.Required != 2 {
		t.Fatalf("submit: %v, required %d", err, r.Required)
	}
	wantKind(t, "submit twice", r.Submit("registry", p, t0), apierr.FailedPrecondition)
	_, err = r.Approve("registry", "", t0)
	wantKind(t, "applicant approves", err, apierr.PermissionDenied)
	if ok, err := r.Approve("committee", "fine", t0); err != nil || ok || r.State != Submitted {
		t.Fatalf("first approval: %v %v %s", ok, err, r.State)
	}
	_, err = r.Approve("committee", "again", t0)
	wantKind(t, "same member twice", err, apierr.FailedPrecondition)
	wantKind(t, "convert before approval", r.CheckConversion("nkr", t0), apierr.FailedPrecondition)
	if ok, err := r.Approve("committee2", "fine", t0); err != nil || !ok || r.State != Approved {
		t.Fatalf("second approval: %v %v %s", ok, err, r.State)
	}
	wantKind(t, "reject after approval", r.Reject("committee3", "no", t0), apierr.FailedPrecondition)
	wantKind(t, "convert from another domain", r.CheckConversion("nhr", t0), apierr.PermissionDenied)
	if err := r.CheckConversion("nkr", t0); err != nil {
		t.Fatal(err)
	}
	r.Converted()
	if r.State != Delivered || r.CheckConversion("nkr", t0) != nil {
		t.Fatalf("after a conversion: %s", r.State)
	}
	// The day after valid-until it is expired.
	late := day(r.ValidUntil).AddDate(0, 0, 1)
	if r.StateAt(day(r.ValidUntil).Add(23*time.Hour)) != Delivered || r.StateAt(late) != Expired {
		t.Fatalf("expiry: %s on the last day, %s the day after", r.StateAt(day(r.ValidUntil).Add(23*time.Hour)), r.StateAt(late))
	}
	err = r.CheckConversion("nkr", late)
	wantKind(t, "convert after expiry", err, apierr.FailedPrecondition)
	if !strings.Contains(err.Error(), "expired") {
		t.Errorf("expiry error does not say so: %v", err)
	}
	wantKind(t, "close by another", r.Close("registry2", "", t0), apierr.PermissionDenied)
	if err := r.Close("registry", "study done", t0); err != nil || r.State != Closed {
		t.Fatalf("close: %v %s", err, r.State)
	}
	wantKind(t, "convert after close", r.CheckConversion("nkr", t0), apierr.FailedPrecondition)
}

func TestRejectNeedsReason(t *testing.T) {
	r := newRequest()
	r.Submit("registry", DefaultPolicy(), t0)
	wantKind(t, "reject without reason", r.Reject("committee", " ", t0), apierr.InvalidArgument)
	wantKind(t, "applicant rejects", r.Reject("registry", "mine", t0), apierr.PermissionDenied)
	if err := r.Reject("committee", "purpose unclear", t0); err != nil || r.State != Rejected || r.Rejection.Reason != "purpose unclear" {
		t.Fatalf("reject: %v %+v", err, r)
	}
	_, err := r.Approve("committee2", "", t0)
	wantKind(t, "approve after reject", err, apierr.FailedPrecondition)
}

func TestCheck(t *testing.T) {
	for name, change := range map[string]func(r *Request){
		"no project":         func(r *Request) { r.Project = " " },
		"no recipient":       func(r *Request) { r.Recipient = "" },
		"no sources":         func(r *Request) { r.Sources = nil },
		"source twice":       func(r *Request) { r.Sources = []string{"nkr", "nkr"} },
		"no variables":       func(r *Request) { r.Variables = nil },
		"variable twice":     func(r *Request) { r.Variables = append(r.Variables, r.Variables[0]) },
		"class D":            func(r *Request) { r.Variables[0].Class = "D" },
		"valid until before": func(r *Request) { r.ValidUntil = t0.AddDate(0, 0, -1) },
	} {
		r := newRequest()
		change(r)
		wantKind(t, name, r.Check(t0), apierr.InvalidArgument)
	}
	if err := newRequest().Check(t0); err != nil {
		t.Fatal(err)
	}
}

func TestEncodeDecode(t *testing.T) {
	r := newRequest()
	r.Submit("registry", DefaultPolicy(), t0)
	r.Approve("committee", "ok", t0)
	b, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(9, b)
	if err != nil || got.ID != 9 || got.State != Approved || len(got.Approvals) != 1 || !got.Approvals[0].Time.Equal(t0) {
		t.Fatalf("decoded %+v, %v", got, err)
	}
}
