// Package conversion converts a registry's person pseudonyms into a linkage
// request's project domain (DESIGN §6). A row is (row key, person
// pseudonym), never payload; the answer is (row key, project pseudonym
// sealed with the request's delivery key), which the registry forwards but
// cannot read. Every source of one request converts into the same project
// domain, so the recipient joins the registries' files on the project
// pseudonym; a registry's own pseudonyms never reach the recipient.
//
// A pseudonym names a person under one domain and key version; the
// converter opens it with that version's person cipher (older versions stay
// accepted), follows merges to the person that lives on, and gives that
// person's pseudonym in the project domain. What it cannot open it reports
// per row with a code, never guessed.
package conversion

import (
	"errors"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/linkage"
)

// Problem codes of a row (docs/problem-codes.md).
const (
	CodeMalformed      identity.Code = "F-701"
	CodeNotOfDomain    identity.Code = "F-702"
	CodeUnknownVersion identity.Code = "F-703"
)

// Converter converts the rows of one conversion. It is safe for concurrent
// use.
type Converter struct {
	source    *domains.Domain
	project   *keys.PersonCipher
	version   keys.Version
	seal      *seal.DeliveryKey
	survivors linkage.Survivors
}

// New returns a converter from source into project, whose pseudonyms it
// seals with key; survivors resolves merged persons.
func New(source, project *domains.Domain, key *seal.DeliveryKey, survivors linkage.Survivors) (*Converter, error) {
	v := project.Keyring.Current()
	pc, err := project.Keyring.PersonCipher(v)
	if err != nil {
		return nil, err
	}
	return &Converter{source: source, project: pc, version: v, seal: key, survivors: survivors}, nil
}

// ProjectVersion is the project domain's key version the converter's
// pseudonyms are under: the audit record of the conversion names it.
func (c *Converter) ProjectVersion() keys.Version { return c.version }

// Row converts one person pseudonym: the sealed project pseudonym, or the
// problem that stopped it.
func (c *Converter) Row(pseudonym string) (string, *identity.Problem) {
	v, err := keys.PseudonymVersion(pseudonym)
	if err != nil {
		return "", problem(CodeMalformed)
	}
	pc, err := c.source.Keyring.PersonCipher(v)
	if err != nil {
		return "", problem(CodeUnknownVersion)
	}
	person, err := pc.OpenPersonPseudonymForConversion(pseudonym)
	if errors.Is(err, keys.ErrUnknownPersonPseudonym) {
		return "", problem(CodeNotOfDomain)
	}
	if err != nil {
		return "", problem(CodeMalformed)
	}
	return c.seal.Seal(c.project.Pseudonym(c.survivors.Of(person))), nil
}

func problem(code identity.Code) *identity.Problem {
	p := identity.NewProblem(identity.FieldPersonPseudonym, code)
	return &p
}
