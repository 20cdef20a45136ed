// Package authz decides who may call what. A caller is the principal named by
// its verified client certificate; configuration maps the principal to an
// organisation and roles; one table (methods.go) says which roles may call
// each method, and one interceptor enforces it for every RPC.
package authz

import (
	"context"
	"slices"

	"github.com/ttpnl/ttp/server/audit"
)

// Role is what a principal may do.
type Role string

// The roles of DESIGN §1.
const (
	Broker     Role = "broker"     // a hospital's data broker: codes records
	Registry   Role = "registry"   // a registry: links and converts
	Researcher Role = "researcher" // an approved study: receives deliveries
	Committee  Role = "committee"  // the supervisory committee: approves, reads audit
	Operator   Role = "operator"   // TTP staff: manages domains and keys
)

// AllRoles lists every role.
var AllRoles = []Role{Broker, Registry, Researcher, Committee, Operator}

// Principal is an authenticated caller.
type Principal struct {
	Name         string
	Organisation string
	Roles        []Role
	// Pinned, if not empty, are the only certificates that are this
	// principal; another certificate with its name is refused.
	Pinned Fingerprints
}

// Has reports whether p holds role r.
func (p Principal) Has(r Role) bool { return slices.Contains(p.Roles, r) }

// Actor is p as the audit log names it.
func (p Principal) Actor() audit.Actor {
	return audit.Actor{Principal: p.Name, Organisation: p.Organisation}
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal the interceptor stored in ctx. Handlers
// run only after the interceptor, so ok is false only in a programming error.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
