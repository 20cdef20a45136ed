package synth

import (
	"bufio"
	"io"
	"iter"
	"strconv"
	"strings"
)

// CSVHeader is the header WriteCSV writes. person_id is the ground truth;
// icd10 and diagnosis_date are payload; corruptions is only written with
// CSVOptions.Explain.
var CSVHeader = []string{"person_id", "agb", "patient_number", "bsn", "family_name", "given_names", "initials",
	"birth_date", "sex", "postcode", "house_number", "icd10", "diagnosis_date"}

// CSVOptions controls WriteCSV.
type CSVOptions struct {
	// Explain adds a last column "corruptions" naming the corruptions
	// applied to the record ("moved|initials").
	Explain bool
}

// WriteCSV writes records as ";"-separated CSV with CSVHeader. A field is
// quoted only if it holds ";", a double quote or a line break, so leading
// and trailing spaces (the ExtraWhitespace corruption) stay visible.
func WriteCSV(w io.Writer, records iter.Seq[Record], opt CSVOptions) (n int64, err error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	header := strings.Join(CSVHeader, ";")
	if opt.Explain {
		header += ";corruptions"
	}
	bw.WriteString(header + "\n")
	var line []byte
	for r := range records {
		line = strconv.AppendInt(line[:0], r.PersonID, 10)
		for _, f := range [...]string{r.AGB, r.PatientNumber, r.BSN, r.FamilyName, r.GivenNames, r.Initials,
			r.BirthDate, r.Sex, r.Postcode, r.HouseNo, r.ICD10, r.DiagnosisDate} {
			line = appendField(append(line, ';'), f)
		}
		if opt.Explain {
			line = appendField(append(line, ';'), r.Corruptions.String())
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return n, err
		}
		n++
	}
	return n, bw.Flush()
}

func appendField(b []byte, f string) []byte {
	if !strings.ContainsAny(f, ";\"\r\n") {
		return append(b, f...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(f, `"`, `""`)...)
	return append(b, '"')
}
