package linkage

import (
	"github.com/ttpnl/ttp/identity"
)

// Parser turns raw values into Inputs, with identity's problem codes. It is
// built once per field list and is safe for concurrent use.
type Parser struct {
	fields     []identity.Field
	norm       *identity.Normalizer
	today      identity.Date
	sourceName string
}

// NewParser checks the field list (as identity.NewNormalizer does).
// sourceName names the file for records without a patient number (see
// SourceOf); it may be empty.
func NewParser(fields []identity.Field, sourceName string, today identity.Date) (*Parser, error) {
	norm, err := identity.NewNormalizer(fields, today)
	if err != nil {
		return nil, err
	}
	return &Parser{fields: fields, norm: norm, today: today, sourceName: sourceName}, nil
}

// Parse validates one record and fills in. The problems are those of
// identity.Normalizer, and CodeNoSource for a record that SourceOf cannot
// name; when identity.Rejected(problems), in is unusable. rowKey is the
// record's key within its file.
func (p *Parser) Parse(dst []identity.Problem, values []string, rowKey string, in *Input) []identity.Problem {
	canonical := make([]string, len(p.fields))
	dst = p.norm.Normalize(dst, values, canonical)
	*in = Input{}
	if identity.Rejected(dst) {
		return dst
	}
	var patientNumber string
	for i, f := range p.fields {
		if canonical[i] == "" {
			continue // missing, or a problem already reported
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
			if in.Given.Initials == "" {
				in.Given.Initials = canonical[i]
			}
		case identity.FieldBirthDate:
			in.Birth, _ = identity.ParseBirthDate(values[i], p.today)
		case identity.FieldPostcode:
			in.Postcode, _ = identity.ParsePostcode(values[i])
		case identity.FieldHouseNumber:
			in.House, _ = identity.ParseHouseNumber(values[i])
		}
	}
	source, ok := SourceOf(patientNumber, p.sourceName, rowKey)
	if !ok {
		return append(dst, identity.NewProblem(identity.FieldPatientNumber, identity.CodeNoSource))
	}
	in.Source = source
	return dst
}
