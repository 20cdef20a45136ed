package server

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/domains"
)

// adminService translates between gRPC and package domains.
type adminService struct {
	ttpv1.UnimplementedAdminServiceServer
	s *Server
}

func (a *adminService) CreateDomain(ctx context.Context, req *ttpv1.CreateDomainRequest) (*ttpv1.CreateDomainResponse, error) {
	p, _ := authz.FromContext(ctx)
	mode, err := domainMode(req.Mode)
	if err != nil {
		return nil, err
	}
	d, err := a.s.domains.CreateWithMode(p.Actor(), req.Name, req.Description, domains.Access{Brokers: req.Brokers, Recipients: req.Recipients}, mode)
	if err != nil {
		return nil, err
	}
	return &ttpv1.CreateDomainResponse{Domain: domainProto(d)}, nil
}

func (a *adminService) ListDomains(ctx context.Context, req *ttpv1.ListDomainsRequest) (*ttpv1.ListDomainsResponse, error) {
	resp := &ttpv1.ListDomainsResponse{}
	for _, d := range a.s.domains.List() {
		resp.Domains = append(resp.Domains, domainProto(d))
	}
	return resp, nil
}

func (a *adminService) DescribeDomain(ctx context.Context, req *ttpv1.DescribeDomainRequest) (*ttpv1.DescribeDomainResponse, error) {
	d, err := a.s.domains.Get(req.Name)
	if err != nil {
		return nil, err
	}
	return &ttpv1.DescribeDomainResponse{Domain: domainProto(d)}, nil
}

func (a *adminService) RotateDomainKey(ctx context.Context, req *ttpv1.RotateDomainKeyRequest) (*ttpv1.RotateDomainKeyResponse, error) {
	p, _ := authz.FromContext(ctx)
	d, err := a.s.domains.Rotate(p.Actor(), req.Name)
	if err != nil {
		return nil, err
	}
	return &ttpv1.RotateDomainKeyResponse{Domain: domainProto(d)}, nil
}

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
