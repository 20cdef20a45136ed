package server

import (
	"context"
	"slices"

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
	if err := a.checkAccessNames(req.Brokers, req.Recipients); err != nil {
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

func (a *adminService) UpdateDomain(ctx context.Context, req *ttpv1.UpdateDomainRequest) (*ttpv1.UpdateDomainResponse, error) {
	p, _ := authz.FromContext(ctx)
	if err := a.checkAccessNames(req.AddBrokers, req.AddRecipients); err != nil {
		return nil, err
	}
	d, err := a.s.domains.UpdateAccess(ctx, p.Actor(), req.Name, domains.AccessChange{
		AddBrokers: req.AddBrokers, RemoveBrokers: req.RemoveBrokers,
		AddRecipients: req.AddRecipients, RemoveRecipients: req.RemoveRecipients,
	})
	if err != nil {
		return nil, err
	}
	return &ttpv1.UpdateDomainResponse{Domain: domainProto(d)}, nil
}

// checkAccessNames checks that every broker and recipient given for a
// domain is a configured principal with a role that may use it as one
// (the methods table says which), so that a typo ("umc-typo") is refused
// rather than listed, where it would wait for whoever gets a certificate
// under that name. Names removed are not checked: a principal gone from
// the configuration must still be removable.
func (a *adminService) checkAccessNames(brokers, recipients []string) error {
	for _, c := range []struct {
		names       []string
		field, role string
		method      string
	}{
		{brokers, "brokers", "is not a broker", ttpv1.CodingService_CodeStream_FullMethodName},
		{recipients, "recipients", "may not receive from a domain", ttpv1.LinkageService_ListPersonChanges_FullMethodName},
	} {
		for _, name := range c.names {
			p, ok := a.s.authorizer.Principal(name)
			if !ok {
				return apierr.BadField(c.field, "%q is not a configured principal", name)
			}
			if !slices.ContainsFunc(p.Roles, func(r authz.Role) bool { return slices.Contains(authz.Methods[c.method], r) }) {
				return apierr.BadField(c.field, "principal %q %s (roles: %v)", name, c.role, p.Roles)
			}
		}
	}
	return nil
}
