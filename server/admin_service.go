package server

import (
	"context"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
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
	d, err := a.s.domains.CreateWithMode(ctx, p.Actor(), req.Name, req.Description, domains.Access{Brokers: req.Brokers, Recipients: req.Recipients}, mode)
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
	d, err := a.s.domains.Rotate(ctx, p.Actor(), req.Name)
	if err != nil {
		return nil, err
	}
	return &ttpv1.RotateDomainKeyResponse{Domain: domainProto(d)}, nil
}
