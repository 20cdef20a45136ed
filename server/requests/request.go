// Package requests keeps the linkage requests by which registries obtain
// linked, pseudonymised data for a research project (DESIGN §6, seed 003).
//
// # Life of a request
//
//	draft ──submit──▶ submitted ──approve (enough)──▶ approved ──convert──▶ delivered
//	                      │                              │                      │
//	                      └──reject──▶ rejected          └──────close───────────┴──▶ closed
//
// A submitted, approved or delivered request whose valid-until date has
// passed is expired: nothing more can happen to it. Every transition is
// made by a named principal, with a time and, for approvals and rejections,
// a reason, and is audited by the caller in the same transaction.
//
// # Who may do what
//
//   - The applicant (a registry) drafts, submits and closes its requests.
//   - Committee members approve and reject. The policy says how many
//     distinct members must approve (Policy.Approvals): two for anything
//     directly identifying, a communication file or several sources. An
//     applicant never approves its own request, and nobody approves twice.
//   - Conversion is allowed only under an approved (or delivered),
//     unexpired request, from one of its source domains.
//
// This package decides; it holds no keys and makes no pseudonyms.
package requests

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ttpnl/ttp/reidanswer"
	"github.com/ttpnl/ttp/server/apierr"
)

// State is where a request is in its life.
type State string

// The states of a request.
const (
	Draft     State = "draft"
	Submitted State = "submitted"
	Approved  State = "approved"
	Rejected  State = "rejected"
	Delivered State = "delivered"
	Closed    State = "closed"
	Expired   State = "expired" // never stored: see Request.StateAt
)

// Variable is a variable a request asks for, with the class the applicant
// declared.
type Variable struct {
	Name  string `json:"name"`
	Class Class  `json:"class"`
}

// Decision is one committee member's approval or rejection.
type Decision struct {
	Principal string    `json:"principal"`
	Time      time.Time `json:"time"`
	Reason    string    `json:"reason,omitempty"`
}

// KindReid marks a request for re-identification through the data holder
// (package reid): a registry's person pseudonyms (Pseudonyms, of domain
// Sources[0]) with a reason (Purpose), answered to the hospitals that
// supplied the persons' records, after two committee approvals.
const KindReid = "reid"

// Request is a linkage request, or a re-identification request.
type Request struct {
	ID   uint64 `json:"-"`              // the store's
	Kind string `json:"kind,omitempty"` // "" (a linkage request) or KindReid

	Applicant             string     `json:"applicant"` // a registry principal
	ApplicantOrganisation string     `json:"applicant_organisation,omitempty"`
	Project               string     `json:"project"`
	Purpose               string     `json:"purpose"`
	Basis                 string     `json:"basis,omitempty"` // legal or consent basis
	Recipient             string     `json:"recipient"`       // a researcher principal with a sealing key
	Sources               []string   `json:"sources"`         // the registries' domains
	Variables             []Variable `json:"variables"`
	Communication         bool       `json:"communication,omitempty"` // a communication file is asked for
	// CommunicationRecipient receives the communication file (name,
	// address): a principal with a sealing key, the recipient by default.
	CommunicationRecipient string    `json:"communication_recipient,omitempty"`
	ValidUntil             time.Time `json:"valid_until"` // the last day (UTC) it may be used

	State     State      `json:"state"`
	Created   time.Time  `json:"created"`
	Required  int        `json:"required,omitempty"` // approvals needed, fixed at submission
	Approvals []Decision `json:"approvals,omitempty"`
	Rejection *Decision  `json:"rejection,omitempty"`
	// ProjectDomain is the request's own pseudonym domain, made when it is
	// approved; CommunicationDomain the second one for a communication file.
	ProjectDomain       string    `json:"project_domain,omitempty"`
	CommunicationDomain string    `json:"communication_domain,omitempty"`
	Conversions         int       `json:"conversions,omitempty"`
	Closed              *Decision `json:"closed,omitempty"`
	// WrappedKey is the delivery key (seal.DeliveryKey), wrapped under the
	// KEK: only the recipient ever gets it, sealed to its public key.
	WrappedKey []byte `json:"wrapped_key,omitempty"`
	// WrappedCommunicationKey is the communication file's delivery key,
	// for the communication recipient alone.
	WrappedCommunicationKey []byte `json:"wrapped_communication_key,omitempty"`

	// Pseudonyms are a re-identification's person pseudonyms.
	Pseudonyms []string `json:"pseudonyms,omitempty"`
	// Results are a re-identification's answers by broker principal: its
	// hospital's patients, sealed to its registered key.
	Results map[string][]string `json:"results,omitempty"`
}

// Limits of a re-identification request: a few patients a registry must
// reach, not a file.
const (
	maxReidPseudonyms = 1000
	maxReidReason     = reidanswer.MaxReason
)

// CheckReid validates a new re-identification request.
func (r *Request) CheckReid() error {
	switch {
	case len(r.Sources) != 1:
		return apierr.BadField("domain", "is required")
	case strings.TrimSpace(r.Purpose) == "" || len(r.Purpose) > maxReidReason:
		return apierr.BadField("reason", "is required, at most %d bytes: it reaches the hospitals with the patient numbers", maxReidReason)
	case len(r.Pseudonyms) == 0 || len(r.Pseudonyms) > maxReidPseudonyms:
		return apierr.BadField("person_pseudonyms", "name between 1 and %d persons", maxReidPseudonyms)
	}
	return nil
}

// Limits on what a request may hold, so that a request stays a small record.
const (
	maxText      = 2000
	maxName      = 64
	maxVariables = 200
	maxSources   = 10
)

// Check validates a new request's fields; today is the creation date.
func (r *Request) Check(today time.Time) error {
	switch {
	case strings.TrimSpace(r.Project) == "" || len(r.Project) > maxName:
		return apierr.BadField("project", "is required, at most %d bytes", maxName)
	case strings.TrimSpace(r.Purpose) == "" || len(r.Purpose) > maxText:
		return apierr.BadField("purpose", "is required, at most %d bytes", maxText)
	case len(r.Basis) > maxText:
		return apierr.BadField("basis", "at most %d bytes", maxText)
	case r.Recipient == "":
		return apierr.BadField("recipient", "is required: the researcher who receives the linked set")
	case len(r.Sources) == 0 || len(r.Sources) > maxSources:
		return apierr.BadField("sources", "name between 1 and %d source domains", maxSources)
	case len(r.Variables) == 0 || len(r.Variables) > maxVariables:
		return apierr.BadField("variables", "name between 1 and %d variables", maxVariables)
	case r.ValidUntil.IsZero() || r.ValidUntil.Before(day(today)):
		return apierr.BadField("valid_until", "must be today or later")
	}
	for i, s := range r.Sources {
		if slices.Contains(r.Sources[:i], s) {
			return apierr.BadField("sources", "domain %q is named twice", s)
		}
	}
	for i, v := range r.Variables {
		if v.Name == "" || len(v.Name) > maxName {
			return apierr.BadField("variables", "variable %d has no name or one over %d bytes", i+1, maxName)
		}
		if !v.Class.valid() {
			return apierr.BadField("variables", "variable %q: class %q; want A, B or C", v.Name, v.Class)
		}
		for _, w := range r.Variables[:i] {
			if w.Name == v.Name {
				return apierr.BadField("variables", "variable %q is named twice", v.Name)
			}
		}
	}
	return nil
}

// day is t's date at midnight UTC.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// StateAt is the request's state at now: its stored state, or Expired for
// a live request past its valid-until date.
func (r *Request) StateAt(now time.Time) State {
	switch r.State {
	case Submitted, Approved, Delivered:
		if day(now).After(day(r.ValidUntil)) {
			return Expired
		}
	}
	return r.State
}

// Submit hands a draft to the committee. Only the applicant may; policy
// fixes how many approvals it needs.
func (r *Request) Submit(who string, policy *Policy, now time.Time) error {
	if who != r.Applicant {
		return apierr.New(apierr.PermissionDenied, "request %d: only its applicant may submit it", r.ID)
	}
	if err := r.want("submitted", now, Draft); err != nil {
		return err
	}
	r.State, r.Required = Submitted, policy.Approvals(r)
	return nil
}

// Approve records who's approval. It reports whether the request is now
// approved: the caller then makes its project domain.
func (r *Request) Approve(who, reason string, now time.Time) (approved bool, err error) {
	if err := r.want("approved", now, Submitted); err != nil {
		return false, err
	}
	if who == r.Applicant {
		return false, apierr.New(apierr.PermissionDenied, "request %d: its applicant may not approve it", r.ID)
	}
	for _, a := range r.Approvals {
		if a.Principal == who {
			return false, apierr.New(apierr.FailedPrecondition,
				"request %d: %q approved it already; it needs %d distinct committee members", r.ID, who, r.Required)
		}
	}
	r.Approvals = append(r.Approvals, Decision{Principal: who, Time: now.UTC(), Reason: reason})
	if len(r.Approvals) >= r.Required {
		r.State = Approved
	}
	return r.State == Approved, nil
}

// Reject ends a submitted request; a reason is required.
func (r *Request) Reject(who, reason string, now time.Time) error {
	if strings.TrimSpace(reason) == "" {
		return apierr.BadField("reason", "is required to reject a request")
	}
	if err := r.want("rejected", now, Submitted); err != nil {
		return err
	}
	if who == r.Applicant {
		return apierr.New(apierr.PermissionDenied, "request %d: its applicant may not decide on it", r.ID)
	}
	r.State, r.Rejection = Rejected, &Decision{Principal: who, Time: now.UTC(), Reason: reason}
	return nil
}

// Close ends a request that is not yet decided, expired or closed: it is
// withdrawn, or no more conversions are wanted.
func (r *Request) Close(who, reason string, now time.Time) error {
	if who != r.Applicant {
		return apierr.New(apierr.PermissionDenied, "request %d: only its applicant may close it", r.ID)
	}
	if err := r.want("closed", now, Draft, Submitted, Approved, Delivered); err != nil {
		return err
	}
	r.State, r.Closed = Closed, &Decision{Principal: who, Time: now.UTC(), Reason: reason}
	return nil
}

// CheckConversion says whether a conversion from domain may run under the
// request now. Who may receive from the domain is the domain's access
// list's business (the session checks it).
func (r *Request) CheckConversion(domain string, now time.Time) error {
	if err := r.want("converted under", now, Approved, Delivered); err != nil {
		return err
	}
	if !slices.Contains(r.Sources, domain) {
		return apierr.New(apierr.PermissionDenied, "request %d does not name domain %q as a source", r.ID, domain)
	}
	return nil
}

// Converted counts a conversion: the request is delivered.
func (r *Request) Converted() {
	r.State = Delivered
	r.Conversions++
}

// want refuses to let the request be done (submitted, approved, ...)
// unless it is in one of states at now.
func (r *Request) want(done string, now time.Time, states ...State) error {
	s := r.StateAt(now)
	if slices.Contains(states, s) {
		return nil
	}
	var names []string
	for _, w := range states {
		names = append(names, string(w))
	}
	return apierr.New(apierr.FailedPrecondition, "request %d is %s; it can be %s only when %s", r.ID, s, done,
		strings.Join(names, " or "))
}

// Encode is the request as the store keeps it.
func (r *Request) Encode() ([]byte, error) { return json.Marshal(r) }

// Decode reads a stored request.
func Decode(id uint64, data []byte) (*Request, error) {
	var r Request
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("linkage request %d: %w", id, err)
	}
	r.ID = id
	return &r, nil
}
