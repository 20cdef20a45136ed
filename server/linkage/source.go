package linkage

import (
	"slices"
	"strings"

	"github.com/ttpnl/ttp/identity"
)

// Owner is who registers records: the organisation whose sources they are.
// A source belongs to its owner, so that no caller can name, and thereby
// plant into or probe, another organisation's records (DESIGN §2.7).
type Owner struct {
	// Organisation namespaces the owner's sources; required.
	Organisation string
	// AGBCodes, when not nil, are the only institutions whose patient
	// numbers the owner may register (identity.CodeAGBNotOwned otherwise).
	AGBCodes []string
}

// MayUseAGB reports whether o may register patient numbers under agb.
func (o Owner) MayUseAGB(agb string) bool {
	return o.AGBCodes == nil || slices.Contains(o.AGBCodes, agb)
}

// SourceOf names a record at its source, so that registering it again is
// recognised (Known) and a clerk can name it to split it off. It is the one
// place that decides this; registration and SplitRecord both call it.
//
//   - Every source lies in its owner's namespace (organisation): the same
//     patient number or file name sent by two organisations names two
//     records, so one cannot plant a record under another's source, nor
//     learn that another has registered it.
//   - A record with a patient number is named by it: patientNumber is the
//     canonical "agb:number" of package identity.
//   - Otherwise a record is named by the file it came from (sourceName,
//     chosen by the caller) and its row key.
//   - Otherwise it cannot be named: SourceOf returns false, and the record
//     is rejected (identity.CodeNoSource). An empty patient number never
//     falls back to a name shared with other callers' rows.
//
// The kinds live in separate namespaces (a NUL cannot occur in any part),
// so a file row can never be taken for a patient number.
func SourceOf(organisation, patientNumber, sourceName, rowKey string) (string, bool) {
	if organisation == "" || strings.ContainsRune(organisation, 0) {
		return "", false
	}
	switch {
	case patientNumber != "":
		return "patient\x00" + organisation + "\x00" + patientNumber, true
	case sourceName != "" && rowKey != "" && !strings.ContainsRune(sourceName, 0) && !strings.ContainsRune(rowKey, 0):
		return "row\x00" + organisation + "\x00" + sourceName + "\x00" + rowKey, true
	}
	return "", false
}

// SourceOfNamed names a record from an AGB code and patient number as a
// person types them (or, with neither, a source name and row key), as
// SourceOf names a parsed record: for the calls that name records their
// organisation registered (withdrawal, a clerk's split or history). The
// problem is the patient number's, or identity.CodeNoSource.
func SourceOfNamed(organisation, agb, patientNumber, sourceName, rowKey string) (string, *identity.Problem) {
	var canonical string
	if agb != "" || patientNumber != "" {
		var problem *identity.Problem
		if canonical, problem = identity.CanonicalPatientNumber(agb, patientNumber); problem != nil {
			return "", problem
		}
	}
	source, ok := SourceOf(organisation, canonical, sourceName, rowKey)
	if !ok {
		p := identity.NewProblem(identity.FieldPatientNumber, identity.CodeNoSource)
		return "", &p
	}
	return source, nil
}
