package linkage

import "strings"

// SourceOf names a record at its source, so that registering it again is
// recognised (Known) and a clerk can name it to split it off. It is the one
// place that decides this; registration and SplitRecord both call it.
//
//   - A record with a patient number is named by it: patientNumber is the
//     canonical "agb:number" of package identity.
//   - Otherwise a record is named by the file it came from (sourceName,
//     chosen by the caller) and its row key.
//   - Otherwise it cannot be named: SourceOf returns false, and the record
//     is rejected (identity.CodeNoSource). An empty patient number never
//     falls back to a name shared with other callers' rows.
//
// The two kinds live in separate namespaces (a NUL cannot occur in either
// part), so a file row can never be taken for a patient number.
func SourceOf(patientNumber, sourceName, rowKey string) (string, bool) {
	switch {
	case patientNumber != "":
		return "patient\x00" + patientNumber, true
	case sourceName != "" && rowKey != "" && !strings.ContainsRune(sourceName, 0) && !strings.ContainsRune(rowKey, 0):
		return "row\x00" + sourceName + "\x00" + rowKey, true
	}
	return "", false
}
