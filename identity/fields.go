package identity

import (
	"errors"
	"strings"
)

// Field names one identifying field. The string values are stable: they
// appear in configuration files, CSV column mappings and the pseudonym
// specification, so they never change.
type Field string

// The identifying fields the TTP understands.
const (
	FieldBSN           Field = "bsn"
	FieldFamilyName    Field = "family_name"
	FieldGivenNames    Field = "given_names"
	FieldInitials      Field = "initials"
	FieldBirthDate     Field = "birth_date"
	FieldSex           Field = "sex"
	FieldPostcode      Field = "postcode"
	FieldHouseNumber   Field = "house_number"
	FieldAGB           Field = "agb"
	FieldPatientNumber Field = "patient_number"
)

// FieldPersonPseudonym is not an identifying field: it names the person
// pseudonym a registry sends for conversion, so that conversion's problems
// (F-7xx) say which value they are about. It is not in AllFields and
// cannot be mapped.
const FieldPersonPseudonym Field = "person_pseudonym"

// FieldReleased is not an identifying field either: it marks the problems
// of ttp release (F-8xx, W-8xx), which are about whichever column a user
// generalises or names as a quasi-identifier (the report names it). It is
// not in AllFields and cannot be mapped.
const FieldReleased Field = "released"

var allFields = []Field{
	FieldBSN, FieldFamilyName, FieldGivenNames, FieldInitials, FieldBirthDate,
	FieldSex, FieldPostcode, FieldHouseNumber, FieldAGB, FieldPatientNumber,
}

// AllFields returns every known field in the documented order. The caller
// owns the returned slice.
func AllFields() []Field {
	return append([]Field(nil), allFields...)
}

// errUnknownField deliberately does not repeat the offending name: when a
// CSV file lacks a header row, its first data row (a BSN, a name) is read as
// column names, and it must not end up in an error message or a log.
var errUnknownField = errors.New("identity: unknown field name (known: " + fieldList() + ")")

func fieldList() string {
	var b strings.Builder
	for i, f := range allFields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(f))
	}
	return b.String()
}

// ParseField returns the Field with the given name. Surrounding whitespace
// and letter case are ignored, since column mappings are typed by people.
func ParseField(name string) (Field, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, f := range allFields {
		if string(f) == name {
			return f, nil
		}
	}
	return "", errUnknownField
}

// valid reports whether f is one of the known fields.
func (f Field) valid() bool {
	for _, g := range allFields {
		if f == g {
			return true
		}
	}
	return false
}
