package columnguard

import (
	"errors"
	"strings"
	"testing"

	"github.com/ttpnl/ttp/client/csvfile"
)

// The finding of issue 8 (item 8): -map family_name=achternaam on a file that
// also holds bsn and geboortedatum would write those two columns to the
// coded file unchanged. The guard names both, and only them.
func TestHeaderNamesIdentifiers(t *testing.T) {
	header := []string{"patientnummer", "bsn", "achternaam", "geboortedatum", "icd10", "diagnosedatum", "opmerking"}
	_, err := New(header, []int{2}, nil)
	var fe *csvfile.FileError
	if !errors.As(err, &fe) || fe.Code != CodeIdentifierColumn {
		t.Fatalf("New: %v, want a %s file error", err, CodeIdentifierColumn)
	}
	for _, want := range []string{`"bsn"`, `"geboortedatum"`, "-keep"} {
		if !strings.Contains(fe.Message, want) {
			t.Errorf("message %q does not name %s", fe.Message, want)
		}
	}
	for _, not := range []string{"diagnosedatum", "icd10", "opmerking", "patientnummer", "achternaam"} {
		if strings.Contains(fe.Message, not) {
			t.Errorf("message %q names %s", fe.Message, not)
		}
	}
}

func TestIdentifyingName(t *testing.T) {
	for _, name := range []string{
		"bsn", "BSN", "Burgerservicenummer", "patient_bsn", "bsnPatient", "naam", "Achternaam", "voornamen",
		"Voorletters", "geboortedatum", "Geboorte-datum", "geboorte datum", "postcode", "adres", "straat",
		"huisnummer", "huis_nr", "woonplaats", "telefoon", "telefoonnummer", "e-mail", "EmailAdres",
		"family_name", "FamilyName", "given names", "date_of_birth", "DateOfBirth", "DOB", "zip code",
		"address1", "street", "phone", "ssn", "tussenvoegsel", "roepnaam", "meisjesnaam",
	} {
		if !identifyingName(name) {
			t.Errorf("%q not seen as an identifier", name)
		}
	}
	for _, name := range []string{
		"icd10", "diagnosedatum", "diagnose", "opmerking", "patientnummer", "geslacht", "datum", "stadium",
		"morfologie", "lateraliteit", "id", "ziekenhuis", "behandeling", "", "—",
	} {
		if identifyingName(name) {
			t.Errorf("%q seen as an identifier", name)
		}
	}
}

// A column under an innocent name that holds BSNs: most of its values pass
// the 11-proef.
func TestValuesPassElfproef(t *testing.T) {
	g, err := New([]string{"id", "nummer", "lab"}, []int{0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bsns := []string{"111222333", "123456782", "", "12345672", "999999990"}
	lab := []string{"123456789", "555555555", "100000000", "", "987654321"} // 9 digits, but random: 1 in 11 passes
	for i := range bsns {
		g.Observe([]string{"x", bsns[i], lab[i]})
	}
	err = g.Check()
	var fe *csvfile.FileError
	if !errors.As(err, &fe) || fe.Code != CodeIdentifierColumn {
		t.Fatalf("Check: %v, want %s", err, CodeIdentifierColumn)
	}
	if !strings.Contains(fe.Message, `"nummer"`) || strings.Contains(fe.Message, "lab") {
		t.Fatalf("message %q: want column nummer named, lab not", fe.Message)
	}
	for _, v := range bsns {
		if v != "" && strings.Contains(fe.Message, v) {
			t.Fatalf("message %q repeats a value", fe.Message)
		}
	}
}

// One value repeated (an institution's code that happens to pass the
// 11-proef) is not a BSN column.
func TestConstantColumnIsNotBSN(t *testing.T) {
	g, err := New([]string{"id", "instelling"}, []int{0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		g.Observe([]string{"x", "111222333"})
	}
	if err := g.Check(); err != nil {
		t.Fatal(err)
	}
}

// A header that is itself a BSN (a file whose first row is data) is not
// repeated in the message: the column is named by its number.
func TestHeaderThatIsAValueIsNotRepeated(t *testing.T) {
	g, err := New([]string{"id", "111222333"}, []int{0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g.Observe([]string{"x", "123456782"})
	err = g.Check()
	if err == nil || strings.Contains(err.Error(), "111222333") || !strings.Contains(err.Error(), "column 2") {
		t.Fatalf("Check: %v", err)
	}
}

func TestKeep(t *testing.T) {
	header := []string{"bsn", "achternaam", "geboortedatum", "nummer"}
	g, err := New(header, []int{1}, []string{"bsn", "Geboortedatum", "nummer"})
	if err != nil {
		t.Fatal(err)
	}
	g.Observe([]string{"111222333", "x", "1960-01-01", "123456782"})
	if err := g.Check(); err != nil {
		t.Fatalf("kept columns refused: %v", err)
	}
	if _, err := New(header, []int{1}, []string{"bsn"}); err == nil || !strings.Contains(err.Error(), `"geboortedatum"`) || strings.Contains(err.Error(), `"bsn"`) {
		t.Fatalf("one kept, one not: %v", err)
	}
	if _, err := New(header, []int{1}, []string{"bsn", "geboortedatum", "bns"}); err == nil || !strings.Contains(err.Error(), `-keep: column "bns" is not in the header`) {
		t.Fatalf("unknown -keep column: %v", err)
	}
	if _, err := New(header, []int{1}, []string{"bsn", "geboortedatum", "achternaam"}); err == nil || !strings.Contains(err.Error(), `-keep: column "achternaam" is mapped`) {
		t.Fatalf("mapped -keep column: %v", err)
	}
}
