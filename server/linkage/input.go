package linkage

import (
	"slices"
	"strings"

	"github.com/ttpnl/ttp/identity"
)

// Parser turns raw values into Inputs, with identity's problem codes. It is
// built once per field list and is safe for concurrent use.
type Parser struct {
	fields     []identity.Field
	norm       *identity.Normalizer
	today      identity.Date
	owner      Owner
	sourceName string
}

// NewParser checks the field list (as identity.NewNormalizer does).
// owner is whose records they are; sourceName names the file for records
// without a patient number (see SourceOf); it may be empty.
func NewParser(fields []identity.Field, owner Owner, sourceName string, today identity.Date) (*Parser, error) {
	norm, err := identity.NewNormalizer(fields, today)
	if err != nil {
		return nil, err
	}
	return &Parser{fields: fields, norm: norm, today: today, owner: owner, sourceName: sourceName}, nil
}

// Parse validates one record and fills in. The problems are those of
// identity.Normalizer, except that a field's F-code becomes its
// identity.LinkageWarning and the field keeps what is sound in it (see
// salvage): one bad field degrades the field, not the record. Problems of
// the source (agb, patient_number) and of the record as a whole still
// reject it. CodeAGBNotOwned for a patient number of an
// institution the owner may not register for; CodeTooLittleEvidence for a
// record without minimum evidence (see HasMinimumEvidence); and
// CodeNoSource for a record that SourceOf cannot name. When
// identity.Rejected(problems), in is unusable. rowKey is the record's key
// within its file.
func (p *Parser) Parse(dst []identity.Problem, values []string, rowKey string, in *Input) []identity.Problem {
	canonical := make([]string, len(p.fields))
	start := len(dst)
	dst = p.norm.Normalize(dst, values, canonical)
	*in = Input{}
	var degraded []identity.Field
	for j := start; j < len(dst); j++ {
		if w := identity.LinkageWarning(dst[j].Field); w != "" && dst[j].Fatal() {
			dst[j] = identity.NewProblem(dst[j].Field, w)
			degraded = append(degraded, dst[j].Field)
		}
	}
	if identity.Rejected(dst) {
		return dst
	}
	var patientNumber, initials string
	for i, f := range p.fields {
		if slices.Contains(degraded, f) {
			p.salvage(f, values[i], in)
			continue
		}
		if canonical[i] == "" {
			continue // missing
		}
		switch f {
		case identity.FieldBSN:
			in.BSN = canonical[i]
		case identity.FieldSex:
			in.Sex = canonical[i]
		case identity.FieldPatientNumber:
			patientNumber = canonical[i] // agb:number
		case identity.FieldFamilyName:
			in.Family, _ = identity.ParseFamilyName(values[i])
		case identity.FieldGivenNames:
			in.Given, _ = identity.ParseGivenNames(values[i])
		case identity.FieldInitials:
			initials = canonical[i]
		case identity.FieldBirthDate:
			in.Birth, _ = identity.ParseBirthDate(values[i], p.today)
		case identity.FieldPostcode:
			in.Postcode, _ = identity.ParsePostcode(values[i])
		case identity.FieldHouseNumber:
			in.House, _ = identity.ParseHouseNumber(values[i])
		}
	}
	switch {
	case initials == "":
	case in.Given.Initials == "":
		in.Given.Initials = initials
	case len(in.Given.Names) == 1 && len(initials) > 1 && in.Given.First == initials:
		// "ACN" as given names, with the initials A.C.N.: the initials
		// written twice, not a name (identity takes capitals with a vowel
		// for a name: "EVA").
		in.Given = identity.GivenNames{Initials: initials}
	}
	if agb, _, _ := strings.Cut(patientNumber, ":"); patientNumber != "" && !p.owner.MayUseAGB(agb) {
		return append(dst, identity.NewProblem(identity.FieldAGB, identity.CodeAGBNotOwned))
	}
	if !in.HasMinimumEvidence() {
		return append(dst, identity.NewProblem("", identity.CodeTooLittleEvidence))
	}
	source, ok := SourceOf(p.owner.Organisation, patientNumber, p.sourceName, rowKey)
	if !ok {
		return append(dst, identity.NewProblem(identity.FieldPatientNumber, identity.CodeNoSource))
	}
	in.Source = source
	return dst
}

// salvage fills in what is sound in a value of f that normalisation
// rejected (see identity.LinkageWarning).
func (p *Parser) salvage(f identity.Field, value string, in *Input) {
	switch f {
	case identity.FieldBSN:
		in.BSNTypo = identity.BSNTypo(value)
	case identity.FieldFamilyName:
		in.Family = identity.DegradedFamilyName(value)
	case identity.FieldGivenNames:
		in.Given = identity.DegradedGivenNames(value)
	case identity.FieldBirthDate:
		in.Birth = identity.PartialBirthDate(value, p.today)
	case identity.FieldPostcode:
		in.Postcode = identity.DegradedPostcode(value)
	case identity.FieldHouseNumber:
		in.House = identity.DegradedHouseNumber(value)
	}
	// Initials and sex: nothing is left to compare.
}

// HasMinimumEvidence reports whether a record says enough to be registered:
// BSN and birth date; family name, birth date and a given name, initials or
// postcode; a given name and birth date at an address (postcode and house
// number); or, without a birth date, BSN, family name and a given name or
// initials, or family name and given name at an address. A BSN that is not
// valid does not count, and a birth date counts when its year and its month
// or day are known. Less cannot tell one person from many: a lone BSN, or a
// BSN with a family name only, would let any broker ask whether a person is
// in the index (and, for a cancer registry, whether a person has cancer),
// and every such probe would stay in the index as a person of its own. A
// BSN with the name it belongs to, or a whole name at an address, is no
// weaker a key than a name with a birth date (docs/threat-model.md);
// Model.Score links a record without a birth date only on a BSN agreement
// with that name, or on that whole name at that address.
func (in *Input) HasMinimumEvidence() bool {
	given := in.Given.First != "" || in.Given.Initials != ""
	address := in.Postcode.Code != "" && in.House.Number != 0
	if in.Birth.Year == 0 || in.Birth.Month == 0 && in.Birth.Day == 0 {
		return in.BSN != "" && in.Family.Core != "" && given ||
			in.Family.Core != "" && in.Given.First != "" && address
	}
	return in.BSN != "" || in.Family.Core != "" && (given || in.Postcode.Code != "") ||
		in.Given.First != "" && address
}
