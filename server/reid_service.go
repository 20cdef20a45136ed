package server

import (
	"context"
	"fmt"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/reid"
	"github.com/ttpnl/ttp/server/requests"
	"github.com/ttpnl/ttp/server/session"
)

// reidentify answers approved re-identifications (package reid): each
// organisation's broker principals with a registered key receive the
// organisation's own patients.
func (s *Server) reidentify(dir authz.Directory) func(ctx context.Context, r *requests.Request) (map[string][]string, string, error) {
	resolver := &reid.Resolver{Store: s.st, Index: s.index, Key: s.reidKey, Brokers: func(org string) map[string]*seal.PublicKey {
		out := map[string]*seal.PublicKey{}
		for name, p := range dir {
			if p.Organisation != org || !p.Has(authz.Broker) {
				continue
			}
			if k, err := s.recipients.Get(name); err == nil {
				out[name] = k.Public
			}
		}
		return out
	}}
	return func(ctx context.Context, r *requests.Request) (map[string][]string, string, error) {
		domain, err := s.domains.Get(r.Sources[0])
		if err != nil {
			return nil, "", err
		}
		answers, sum, err := resolver.Resolve(ctx, r.ID, r.Purpose, domain, r.Pseudonyms)
		if err != nil {
			return nil, "", err
		}
		return answers, fmt.Sprintf("%d pseudonyms, %d persons, %d records: answered to %d hospitals, %d records of hospitals without a registered key",
			sum.Pseudonyms, sum.Persons, sum.Records, sum.Hospitals, sum.Undeliverable), nil
	}
}

func (d *deliveryService) CreateReidRequest(ctx context.Context, req *ttpv1.CreateReidRequestRequest) (*ttpv1.CreateReidRequestResponse, error) {
	if _, err := d.s.openSession(ctx, req.Domain, 0, session.Receive); err != nil {
		return nil, err
	}
	if !d.s.reidDomain(req.Domain) {
		return nil, apierr.New(apierr.FailedPrecondition, "domain %q does not allow re-identification (reid_domains)", req.Domain)
	}
	r, err := d.s.desk.CreateReid(ctx, caller(ctx), req.Domain, req.Reason, req.PersonPseudonyms)
	if err != nil {
		return nil, err
	}
	return &ttpv1.CreateReidRequestResponse{Request: requestProto(r, d.s.now())}, nil
}

func (d *deliveryService) GetReidAnswers(ctx context.Context, req *ttpv1.GetReidAnswersRequest) (*ttpv1.GetReidAnswersResponse, error) {
	answers, err := d.s.desk.ReidAnswers(ctx, caller(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return &ttpv1.GetReidAnswersResponse{SealedAnswers: answers}, nil
}
