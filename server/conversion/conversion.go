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
	CodeWithheld       identity.Code = "F-704"
)

// Target is a domain a conversion gives pseudonyms in, and the key that
// seals them.
type Target struct {
	Domain *domains.Domain
	Key    *seal.DeliveryKey
}

// Converter converts the rows of one conversion. It is safe for concurrent
// use.
type Converter struct {
	source        *domains.Domain
	project       sealer
	communication *sealer // nil: no communication file
	survivors     linkage.Survivors
}

// sealer makes a target's sealed person pseudonyms.
type sealer struct {
	cipher *keys.PersonCipher
	key    *seal.DeliveryKey
}

func newSealer(t Target) (sealer, error) {
	pc, err := t.Domain.Keyring.PersonCipher(t.Domain.Keyring.Current())
	return sealer{cipher: pc, key: t.Key}, err
}

func (s sealer) seal(person uint64) string { return s.key.Seal(s.cipher.Pseudonym(person)) }

// New returns a converter from source into project; with communication
// (nil when no communication file was asked for) it also gives each row's
// pseudonym in the request's communication domain. survivors resolves
// merged persons.
func New(source *domains.Domain, project Target, communication *Target, survivors linkage.Survivors) (*Converter, error) {
	p, err := newSealer(project)
	if err != nil {
		return nil, err
	}
	c := &Converter{source: source, project: p, survivors: survivors}
	if communication != nil {
		cs, err := newSealer(*communication)
		if err != nil {
			return nil, err
		}
		c.communication = &cs
	}
	return c, nil
}

// ProjectVersion is the project domain's key version the converter's
// pseudonyms are under: the audit record of the conversion names it.
func (c *Converter) ProjectVersion() keys.Version { return c.project.cipher.Version() }

// Row converts one person pseudonym: the sealed project pseudonym and,
// with a communication file, the sealed communication pseudonym; or the
// problem that stopped it.
func (c *Converter) Row(pseudonym string) (project, communication string, problem *identity.Problem) {
	person, p := c.person(pseudonym)
	if p != nil {
		return "", "", p
	}
	project = c.project.seal(person)
	if c.communication != nil {
		communication = c.communication.seal(person)
	}
	return project, communication, nil
}

// person opens a person pseudonym of the source domain, of any key
// version, and follows merges.
func (c *Converter) person(pseudonym string) (uint64, *identity.Problem) {
	v, err := keys.PseudonymVersion(pseudonym)
	if err != nil {
		return 0, newProblem(CodeMalformed)
	}
	pc, err := c.source.Keyring.PersonCipher(v)
	if err != nil {
		return 0, newProblem(CodeUnknownVersion)
	}
	person, err := pc.OpenPersonPseudonymForConversion(pseudonym)
	if errors.Is(err, keys.ErrUnknownPersonPseudonym) {
		return 0, newProblem(CodeNotOfDomain)
	}
	if err != nil {
		return 0, newProblem(CodeMalformed)
	}
	person, ok := c.survivors.Of(person)
	if !ok {
		return 0, newProblem(CodeWithheld)
	}
	return person, nil
}

func newProblem(code identity.Code) *identity.Problem {
	p := identity.NewProblem(identity.FieldPersonPseudonym, code)
	return &p
}
