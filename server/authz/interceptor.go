package authz

import (
	"context"
	"crypto/tls"
	"slices"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"

	"github.com/ttpnl/ttp/server/apierr"
)

// Directory maps principal names (the CommonName of a client certificate
// issued by the server's CA) to principals.
type Directory map[string]Principal

// Authorizer identifies the caller of every RPC and checks Methods.
type Authorizer struct {
	access atomic.Pointer[access]
}

// access is who may call: the principals, and the certificates refused
// whatever their name.
type access struct {
	directory Directory
	revoked   Fingerprints
}

// NewAuthorizer returns an Authorizer for the principals of directory,
// refusing the revoked certificates.
func NewAuthorizer(directory Directory, revoked Fingerprints) *Authorizer {
	a := &Authorizer{}
	a.SetAccess(directory, revoked)
	return a
}

// SetAccess replaces the principals and the revoked certificates for every
// call that starts after it returns, on connections open or new: a call is
// authorised when it starts, so one under way keeps its principal.
func (a *Authorizer) SetAccess(directory Directory, revoked Fingerprints) {
	a.access.Store(&access{directory: directory, revoked: revoked})
}

// Principal returns the configured principal of that name.
func (a *Authorizer) Principal(name string) (Principal, bool) {
	p, ok := a.access.Load().directory[name]
	return p, ok
}

// identify returns the principal of the verified client certificate. TLS has
// already verified the chain against the CA (RequireAndVerifyClientCert), so
// the CommonName can be trusted to be what the CA issued.
func (a *Authorizer) identify(ctx context.Context) (Principal, error) {
	pr, ok := peer.FromContext(ctx)
	if !ok {
		return Principal{}, apierr.New(apierr.Unauthenticated, "no peer")
	}
	info, ok := pr.AuthInfo.(credentials.TLSInfo)
	if !ok {
		return Principal{}, apierr.New(apierr.Unauthenticated, "connection is not TLS")
	}
	chains := info.State.VerifiedChains
	if len(chains) == 0 || len(chains[0]) == 0 {
		return Principal{}, apierr.New(apierr.Unauthenticated, "no verified client certificate")
	}
	return a.lookup(info.State)
}

// lookup maps the verified certificate to its principal. The chain says the
// CA issued it; a revoked certificate is refused all the same, and a
// principal pinned to certificates is only those certificates, so that one
// more certificate from the CA under a principal's name is not that
// principal.
func (a *Authorizer) lookup(state tls.ConnectionState) (Principal, error) {
	cert := state.VerifiedChains[0][0]
	fp := FingerprintOf(cert)
	name := cert.Subject.CommonName
	acc := a.access.Load()
	if acc.revoked[fp] {
		return Principal{}, apierr.New(apierr.Unauthenticated, "the client certificate for %q is revoked", name)
	}
	p, ok := acc.directory[name]
	if !ok {
		return Principal{}, apierr.New(apierr.PermissionDenied, "principal %q is not configured", name)
	}
	if len(p.Pinned) > 0 && !p.Pinned[fp] {
		return Principal{}, apierr.New(apierr.PermissionDenied, "this client certificate is not pinned for principal %q", name)
	}
	return p, nil
}

// Caller names the caller of ctx's call for the record of a refusal,
// whether or not it may call anything: the principal and organisation when
// it is configured, the certificate's name when it is not, and no name
// without a verified certificate.
func (a *Authorizer) Caller(ctx context.Context) Principal {
	pr, ok := peer.FromContext(ctx)
	if !ok {
		return Principal{}
	}
	info, ok := pr.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return Principal{}
	}
	if p, err := a.lookup(info.State); err == nil {
		return p
	}
	return Principal{Name: info.State.VerifiedChains[0][0].Subject.CommonName}
}

// authorize identifies the caller and checks that it may call method.
func (a *Authorizer) authorize(ctx context.Context, method string) (context.Context, error) {
	p, err := a.identify(ctx)
	if err != nil {
		return nil, err
	}
	allowed := Methods[method]
	if !slices.ContainsFunc(p.Roles, func(r Role) bool { return slices.Contains(allowed, r) }) {
		return nil, apierr.New(apierr.PermissionDenied, "principal %q may not call %s", p.Name, method)
	}
	return WithPrincipal(ctx, p), nil
}

// Unary is the interceptor for unary RPCs.
func (a *Authorizer) Unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, err := a.authorize(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

// Stream is the interceptor for streaming RPCs.
func (a *Authorizer) Stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, err := a.authorize(ss.Context(), info.FullMethod)
	if err != nil {
		return err
	}
	return handler(srv, &principalStream{ServerStream: ss, ctx: ctx})
}

// principalStream carries the authorised context into a streaming handler.
type principalStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *principalStream) Context() context.Context { return s.ctx }
