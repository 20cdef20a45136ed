package server

import (
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/coding"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/recipients"
	"github.com/ttpnl/ttp/server/records"
	"github.com/ttpnl/ttp/server/requests"
)

// This file holds the conversions between the API's protobuf messages and
// the server's own types: the packages that do the work never see protobuf.

// domainProto describes a domain: versions and dates, never key material.
func domainProto(d *domains.Domain) *ttpv1.Domain {
	out := &ttpv1.Domain{
		Name:              d.Name,
		Description:       d.Description,
		Brokers:           d.Brokers,
		Recipients:        d.Recipients,
		CurrentKeyVersion: uint32(d.Keyring.Current()),
		CreateTime:        timestamppb.New(d.Created),
		Mode:              ttpv1.DomainMode_DOMAIN_MODE_HMAC,
	}
	if d.Mode == domains.ModeOPRF {
		out.Mode = ttpv1.DomainMode_DOMAIN_MODE_OPRF
	}
	for _, v := range d.Keyring.Versions() {
		out.KeyVersions = append(out.KeyVersions, &ttpv1.KeyVersion{Version: uint32(v.Version), CreateTime: timestamppb.New(v.Created)})
	}
	return out
}

// domainMode maps the API's mode to the registry's; unspecified is HMAC.
func domainMode(m ttpv1.DomainMode) (domains.Mode, error) {
	switch m {
	case ttpv1.DomainMode_DOMAIN_MODE_UNSPECIFIED, ttpv1.DomainMode_DOMAIN_MODE_HMAC:
		return domains.ModeHMAC, nil
	case ttpv1.DomainMode_DOMAIN_MODE_OPRF:
		return domains.ModeOPRF, nil
	}
	return "", apierr.BadField("mode", "unknown domain mode %d", m)
}

func recipientKeyProto(k *recipients.Key) *ttpv1.RecipientKey {
	return &ttpv1.RecipientKey{
		Name:         k.Name,
		PublicKey:    k.Public.Encode(),
		Suite:        k.Public.Suite().String(),
		Fingerprint:  k.Public.Fingerprint(),
		RegisterTime: timestamppb.New(k.Registered),
	}
}

// recordsFromProto takes a request's records; the values are shared, not
// copied.
func recordsFromProto(in []*ttpv1.Record) []records.Record {
	out := make([]records.Record, len(in))
	for i, r := range in {
		out[i] = records.Record{RowKey: r.RowKey, Values: r.Values}
	}
	return out
}

func codedProto(coded []coding.Coded) []*ttpv1.CodedRecord {
	out := make([]*ttpv1.CodedRecord, len(coded))
	slab := make([]ttpv1.CodedRecord, len(coded))
	for i, c := range coded {
		cr := &slab[i]
		cr.RowKey, cr.Pseudonyms, cr.Problems, cr.Rejected = c.RowKey, c.Pseudonyms, problemsProto(c.Problems), c.Rejected
		out[i] = cr
	}
	return out
}

func problemsProto(ps []identity.Problem) []*ttpv1.Problem {
	if len(ps) == 0 {
		return nil
	}
	out := make([]*ttpv1.Problem, len(ps))
	for i, p := range ps {
		out[i] = &ttpv1.Problem{Field: string(p.Field), Code: string(p.Code), Message: p.Message}
	}
	return out
}

func registeredProto(rs []linkage.Registered) []*ttpv1.LinkedRecord {
	out := make([]*ttpv1.LinkedRecord, len(rs))
	slab := make([]ttpv1.LinkedRecord, len(rs))
	for i, r := range rs {
		lr := &slab[i]
		lr.RowKey, lr.Rejected, lr.Problems = r.RowKey, r.Rejected, problemsProto(r.Problems)
		if !r.Rejected {
			lr.PersonPseudonym = r.Person // never the decision: see LinkedRecord
		}
		out[i] = lr
	}
	return out
}

// changesProto tells changes in person pseudonyms under pc.
func changesProto(changes []linkage.Change, pc *keys.PersonCipher) []*ttpv1.PersonChange {
	out := make([]*ttpv1.PersonChange, len(changes))
	for i, c := range changes {
		out[i] = &ttpv1.PersonChange{
			Sequence:   c.Seq,
			Time:       timestamppb.New(c.Time),
			Kind:       changeKindProto[c.Kind],
			FromPerson: pc.Pseudonym(c.From),
		}
		if c.Kind == linkage.Merge || c.Kind == linkage.Split {
			out[i].ToPerson = pc.Pseudonym(c.To)
		}
	}
	return out
}

var changeKindProto = map[linkage.ChangeKind]ttpv1.PersonChangeKind{
	linkage.Merge:      ttpv1.PersonChangeKind_PERSON_CHANGE_KIND_MERGE,
	linkage.Split:      ttpv1.PersonChangeKind_PERSON_CHANGE_KIND_SPLIT,
	linkage.Withdrawn:  ttpv1.PersonChangeKind_PERSON_CHANGE_KIND_WITHDRAWN,
	linkage.Reinstated: ttpv1.PersonChangeKind_PERSON_CHANGE_KIND_REINSTATED,
}

func reviewItemProto(it linkage.ReviewItem) *ttpv1.ReviewItem {
	return &ttpv1.ReviewItem{Id: it.ID, Score: it.Score, Comparison: it.Pattern.Comparison()}
}

func batchesProto(batches []keys.Batch) []*ttpv1.EvaluatedBatch {
	out := make([]*ttpv1.EvaluatedBatch, len(batches))
	for i, b := range batches {
		out[i] = &ttpv1.EvaluatedBatch{Offset: uint32(b.Offset), EvaluatedElements: b.Evaluated, Proof: b.Proof}
	}
	return out
}

// dateLayout is how requests spell a valid-until date.
const dateLayout = "2006-01-02"

func requestFromProto(req *ttpv1.CreateLinkageRequestRequest) (*requests.Request, error) {
	r := &requests.Request{Project: req.Project, Purpose: req.Purpose, Basis: req.Basis, Recipient: req.Recipient,
		Sources: slices.Clone(req.Sources), Communication: req.Communication, CommunicationRecipient: req.CommunicationRecipient}
	for _, v := range req.Variables {
		r.Variables = append(r.Variables, requests.Variable{Name: v.Name, Class: requests.Class(v.Class)})
	}
	if req.ValidUntil != "" {
		t, err := time.Parse(dateLayout, req.ValidUntil)
		if err != nil {
			return nil, apierr.BadField("valid_until", "want a date YYYY-MM-DD")
		}
		r.ValidUntil = t
	}
	return r, nil
}

// requestProto shows r as it stands at now (an expired request says so).
// The wrapped delivery key never leaves the server.
func requestProto(r *requests.Request, now time.Time) *ttpv1.LinkageRequest {
	out := &ttpv1.LinkageRequest{Id: r.ID, Applicant: r.Applicant, Project: r.Project, Purpose: r.Purpose, Basis: r.Basis,
		Recipient: r.Recipient, Sources: slices.Clone(r.Sources), Communication: r.Communication,
		ValidUntil: r.ValidUntil.Format(dateLayout), State: string(r.StateAt(now)), ApprovalsRequired: uint32(r.Required),
		Rejection: committeeDecisionProto(r.Rejection), Closed: committeeDecisionProto(r.Closed), ProjectDomain: r.ProjectDomain,
		Conversions: uint32(r.Conversions), Created: timestamppb.New(r.Created),
		CommunicationRecipient: r.CommunicationRecipient, CommunicationDomain: r.CommunicationDomain, Kind: "linkage"}
	if r.Kind == requests.KindReid {
		out.Kind = requests.KindReid
	}
	for _, v := range r.Variables {
		out.Variables = append(out.Variables, &ttpv1.RequestedVariable{Name: v.Name, Class: string(v.Class)})
	}
	for i := range r.Approvals {
		out.Approvals = append(out.Approvals, committeeDecisionProto(&r.Approvals[i]))
	}
	return out
}

func committeeDecisionProto(d *requests.Decision) *ttpv1.CommitteeDecision {
	if d == nil {
		return nil
	}
	return &ttpv1.CommitteeDecision{Principal: d.Principal, Time: timestamppb.New(d.Time), Reason: d.Reason}
}

// modelLevelsProto sets every comparison level of two models side by side.
func modelLevelsProto(active, estimated *linkage.Model) []*ttpv1.ModelLevel {
	var out []*ttpv1.ModelLevel
	for c, name := range linkage.ComparisonNames() {
		for l, level := range linkage.LevelNames(name) {
			a, e := active.MU[c][l+1], estimated.MU[c][l+1]
			out = append(out, &ttpv1.ModelLevel{Comparison: name, Level: level, ActiveM: a.M, ActiveU: a.U, EstimatedM: e.M, EstimatedU: e.U})
		}
	}
	return out
}

// otherBSNProto shows an estimate's patterns to the operator who decides
// whether to activate it: levels and counts, no value.
func otherBSNProto(est *linkage.OtherBSN) []*ttpv1.OtherBSNPattern {
	var out []*ttpv1.OtherBSNPattern
	for _, r := range est.Review {
		out = append(out, &ttpv1.OtherBSNPattern{Levels: r.Pattern.Levels(), Records: uint64(r.Pairs), BsnAgreeing: uint64(r.Agreeing)})
	}
	return out
}
