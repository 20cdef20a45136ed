package identity

import (
	"errors"
	"strconv"
)

// Normalizer turns the raw values of one record into canonical values. It
// is built once per field list (one upload, one configuration) and then
// used for every record; it is safe for concurrent use.
type Normalizer struct {
	fields  []Field
	agb     int // index of the agb field, -1 if absent
	patient int // index of the patient_number field, -1 if absent
	today   Date
}

// NewNormalizer checks the field list and returns a Normalizer for records
// whose values come in that order. The list must be non-empty, hold known
// fields only, each once; patient_number requires agb (see
// CanonicalPatientNumber). today is the reference date for birth dates;
// a long-running server should use WithToday to move it on.
func NewNormalizer(fields []Field, today Date) (*Normalizer, error) {
	if len(fields) == 0 {
		return nil, errors.New("identity: no fields")
	}
	n := &Normalizer{fields: append([]Field(nil), fields...), agb: -1, patient: -1, today: today}
	for i, f := range fields {
		if !f.valid() {
			return nil, errors.New("identity: field " + strconv.Itoa(i+1) + " of the list is not a known field")
		}
		for _, g := range fields[:i] {
			if f == g {
				return nil, errors.New("identity: field " + string(f) + " is listed twice")
			}
		}
		switch f {
		case FieldAGB:
			n.agb = i
		case FieldPatientNumber:
			n.patient = i
		}
	}
	if n.patient >= 0 && n.agb < 0 {
		return nil, errors.New("identity: patient_number requires agb in the field list, since a patient number is only unique within an institution")
	}
	return n, nil
}

// WithToday returns a copy of n that uses today as the reference date.
func (n *Normalizer) WithToday(today Date) *Normalizer {
	m := *n
	m.today = today
	return &m
}

// Fields returns the field list. The caller must not modify it.
func (n *Normalizer) Fields() []Field { return n.fields }

// Normalize writes the canonical value of raw[i] into out[i] and appends
// the problems found to dst, which it returns; passing dst[:0] of a reused
// slice avoids allocation. out must have the length of the field list.
//
// An empty or whitespace-only value is missing: out[i] = "" and W-901.
// A record in which every value is missing gets F-901 alone. A value with
// an F-code gets out[i] = "" and the record is rejected: check with
// Rejected on the appended problems. A raw slice of the wrong length gets
// F-902 (it is a CSV row with the wrong number of columns).
func (n *Normalizer) Normalize(dst []Problem, raw []string, out []string) []Problem {
	if len(out) != len(n.fields) {
		panic("identity: Normalize: out has " + strconv.Itoa(len(out)) + " elements for " + strconv.Itoa(len(n.fields)) + " fields")
	}
	if len(raw) != len(n.fields) {
		clear(out)
		return append(dst, newProblem("", codeColumns))
	}
	start := len(dst)
	present := 0
	for i, f := range n.fields {
		v := raw[i]
		if isBlank(v) {
			out[i] = ""
			dst = append(dst, newProblem(f, codeMissing))
			continue
		}
		present++
		var c string
		var code Code
		switch f {
		case FieldPatientNumber:
			// Needs the AGB code, which may come later in the record.
			c, code = canonicalLocalPatientNumber(v)
		default:
			c, code = canonicalValue(f, v, n.today)
		}
		if code.Fatal() {
			c = ""
		}
		out[i] = c
		if code != "" {
			dst = append(dst, newProblem(f, code))
		}
	}
	if present == 0 {
		clear(out)
		return append(dst[:start], newProblem("", codeRecordEmpty))
	}
	if p := n.patient; p >= 0 && out[p] != "" {
		if agb := out[n.agb]; agb != "" {
			out[p] = agb + ":" + out[p]
		} else {
			out[p] = ""
			dst = append(dst, newProblem(FieldPatientNumber, codePNNoAGB))
		}
	}
	return dst
}

// NormalizeValue returns the canonical value of one field value, and the
// problem found, if any (a W-code comes with a usable value, an F-code
// with ""). An empty value gives W-901. patient_number cannot be
// normalised on its own and always gives F-502: use CanonicalPatientNumber.
func NormalizeValue(f Field, raw string, today Date) (string, *Problem) {
	if isBlank(raw) {
		return "", problemPtr(f, codeMissing)
	}
	if f == FieldPatientNumber {
		return "", problemPtr(f, codePNNoAGB)
	}
	c, code := canonicalValue(f, raw, today)
	if code.Fatal() {
		c = ""
	}
	return c, problemPtr(f, code)
}

// canonicalValue dispatches to the parser of f. patient_number is handled
// by the callers.
func canonicalValue(f Field, v string, today Date) (string, Code) {
	switch f {
	case FieldBSN:
		return canonicalBSN(v)
	case FieldFamilyName:
		return canonicalFamilyName(v)
	case FieldGivenNames:
		return canonicalGivenNames(v)
	case FieldInitials:
		return canonicalInitials(v)
	case FieldBirthDate:
		return canonicalBirthDate(v, today)
	case FieldSex:
		return canonicalSex(v)
	case FieldPostcode:
		return canonicalPostcode(v)
	case FieldHouseNumber:
		return canonicalHouseNumber(v)
	case FieldAGB:
		return canonicalAGB(v)
	}
	panic("identity: no parser for field " + string(f))
}
