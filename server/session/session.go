// Package session opens the one thing every service call starts with: who is
// calling, into which domain, under which pinned key version, for what. It is
// the single place that checks a principal's access to a domain, so coding,
// oblivious evaluation, registration and receiving all follow one rule:
//
//   - an unknown domain and a domain the caller may not use get the same
//     answer, so that a caller cannot find out which domains exist;
//   - a broker listed on the domain may code, evaluate and register into it;
//     a listed recipient (or broker) may receive from it;
//   - the key version is pinned when the session opens (0: the current one),
//     so a stream keeps one version however long it runs and whatever
//     rotations happen meanwhile.
package session

import (
	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/domains"
)

// Purpose is what a session is for.
type Purpose int

const (
	// Code: pseudonyms of plaintext values (CodingService).
	Code Purpose = iota + 1
	// Evaluate: oblivious evaluation of blinded values (ObliviousService).
	Evaluate
	// Register: registration in the person index (LinkageService).
	Register
	// Receive: reading what a domain delivers (person changes).
	Receive
)

// Session is one caller's pinned view of one domain.
type Session struct {
	Actor   audit.Actor
	Domain  *domains.Domain
	Purpose Purpose
	pz      *keys.Pseudonymizer
	pc      *keys.PersonCipher
}

// Open checks that who may use domain for purpose, and pins key version
// version (0: the current one).
func Open(reg *domains.Registry, who audit.Actor, domain string, version uint32, purpose Purpose) (*Session, error) {
	if domain == "" {
		return nil, apierr.BadField("domain", "is required")
	}
	d, err := reg.GetWithVersion(domain, keys.Version(version))
	if err != nil || !allowed(d, who.Principal, purpose) {
		return nil, denied(who.Principal, domain, purpose)
	}
	if purpose == Evaluate && d.Mode != domains.ModeOPRF {
		return nil, apierr.New(apierr.FailedPrecondition, "domain %q is in %s mode; oblivious evaluation needs a domain in oprf mode", domain, d.Mode)
	}
	v := keys.Version(version)
	if v == 0 {
		v = d.Keyring.Current()
	}
	pz, err := d.Keyring.Pseudonymizer(v)
	if err != nil {
		return nil, apierr.BadField("key_version", "domain %q has no key version %d", domain, version)
	}
	pc, err := d.Keyring.PersonCipher(v)
	if err != nil {
		return nil, apierr.BadField("key_version", "domain %q has no key version %d", domain, version)
	}
	return &Session{Actor: who, Domain: d, Purpose: purpose, pz: pz, pc: pc}, nil
}

func allowed(d *domains.Domain, principal string, purpose Purpose) bool {
	if purpose == Receive {
		return d.MayReceive(principal)
	}
	return d.MayCode(principal)
}

func denied(principal, domain string, purpose Purpose) error {
	verb := "code into"
	if purpose == Receive {
		verb = "receive from"
	}
	return apierr.New(apierr.PermissionDenied, "principal %q may not %s domain %q", principal, verb, domain)
}

// KeyVersion is the pinned key version.
func (s *Session) KeyVersion() keys.Version { return s.pz.Version() }

// Pseudonymizer makes HMAC pseudonyms under the pinned version.
func (s *Session) Pseudonymizer() *keys.Pseudonymizer { return s.pz }

// PersonCipher makes person pseudonyms under the pinned version.
func (s *Session) PersonCipher() *keys.PersonCipher { return s.pc }

// OPRF is the domain's OPRF key of the pinned version (an error for a domain
// in HMAC mode).
func (s *Session) OPRF() (*keys.OPRFKey, error) { return s.Domain.OPRF(s.pz.Version()) }

// SameDomain checks a later stream message's domain: a stream stays in the
// domain its first message named, so later ones leave it empty or repeat it.
func (s *Session) SameDomain(domain string) error {
	if domain != "" && domain != s.Domain.Name {
		return apierr.BadField("domain", "a stream stays in one domain; later messages must leave it empty or repeat it")
	}
	return nil
}

// AuditRecord starts an audit record of action in the session: principal,
// organisation, domain and key version.
func (s *Session) AuditRecord(action string) audit.Record {
	rec := s.Actor.Record(action)
	rec.Domain = s.Domain.Name
	rec.KeyVersion = uint32(s.pz.Version())
	return rec
}
