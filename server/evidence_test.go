package server_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// TestBSNAndNameProbe: without a birth date a record needs the BSN with a
// family name and a given name. A broker probing with a BSN and a family
// name is refused (F-904); with a given name too, the answers for a
// registered BSN and an unused one differ only in the pseudonym, and the
// probe with another family name does not join the registered person.
func TestBSNAndNameProbe(t *testing.T) {
	_, _, hospital, hospital2 := twoHospitals(t, nil)
	victim := mustRegister(t, hospital, "nkr", linkFields,
		rec("1", "06000001", "A0001", "300000005", "van der Berg", "Jan", "1956-03-14", "M", "1234 AB", "12"))[0]
	probe := []string{"agb", "patient_number", "bsn", "family_name", "given_names"}
	for _, bsn := range []string{"300000005", "123456782"} {
		wantF904(t, "BSN and family name", mustRegister(t, hospital2, "nkr", probe, rec("1", "06000002", "P-"+bsn, bsn, "van der Berg", ""))[0])
	}
	answer := func(key, bsn, family string) *ttpv1.LinkedRecord {
		r := mustRegister(t, hospital2, "nkr", probe, rec("1", "06000002", key, bsn, family, "Jan"))[0]
		if r.Rejected || r.PersonPseudonym == "" {
			t.Fatalf("BSN, family name and given name: %v", r)
		}
		return r
	}
	wantOnlyPseudonymDiffers(t, "the BSN with its family and given name", victim,
		answer("Q-1", "300000005", "van der Berg"), answer("Q-2", "123456782", "van der Berg"))
	if other := answer("Q-3", "300000005", "Jansen"); other.PersonPseudonym == victim.PersonPseudonym {
		t.Fatal("a known BSN with another family name and no birth date joined the registered person")
	}
}

// TestNameAndAddressProbe: without a BSN or birth date a record needs the
// family name and a given name at a postcode and house number. A broker
// probing with less (no house number, no given name, initials only) is
// refused (F-904); with all four, the answers for a registered person's
// address and another address differ only in the pseudonym, and another
// given name at that address does not join the registered person.
func TestNameAndAddressProbe(t *testing.T) {
	_, _, hospital, hospital2 := twoHospitals(t, nil)
	victim := mustRegister(t, hospital, "nkr", linkFields,
		rec("1", "06000001", "A0001", "", "van der Berg", "Jan Pieter", "1956-03-14", "M", "1234 AB", "12"))[0]
	probe := []string{"agb", "patient_number", "family_name", "given_names", "postcode", "house_number"}
	for name, values := range map[string][]string{
		"no house number": {"van der Berg", "Jan Pieter", "1234 AB", ""},
		"no given name":   {"van der Berg", "", "1234 AB", "12"},
		"initials only":   {"van der Berg", "J.P.", "1234 AB", "12"},
		"no family name":  {"", "Jan Pieter", "1234 AB", "12"},
	} {
		wantF904(t, name, mustRegister(t, hospital2, "nkr", probe, rec("1", append([]string{"06000002", "P-" + name}, values...)...))[0])
	}
	answer := func(key, given, house string) *ttpv1.LinkedRecord {
		r := mustRegister(t, hospital2, "nkr", probe, rec("1", "06000002", key, "van der Berg", given, "1234 AB", house))[0]
		if r.Rejected || r.PersonPseudonym == "" {
			t.Fatalf("family name, given name, postcode and house number: %v", r)
		}
		return r
	}
	wantOnlyPseudonymDiffers(t, "the whole name at its address", victim, answer("Q-1", "Jan Pieter", "12"), answer("Q-2", "Jan Pieter", "14"))
	if other := answer("Q-3", "Karel", "12"); other.PersonPseudonym == victim.PersonPseudonym {
		t.Fatal("another given name at the address and no birth date joined the registered person")
	}
}

// wantF904 checks that a probe was refused for too little evidence.
func wantF904(t *testing.T, what string, r *ttpv1.LinkedRecord) {
	t.Helper()
	if !r.Rejected || r.PersonPseudonym != "" || len(r.Problems) == 0 || r.Problems[len(r.Problems)-1].Code != "F-904" {
		t.Fatalf("%s: %v; want rejected with F-904", what, r)
	}
}

// wantOnlyPseudonymDiffers checks that a probe of a registered person
// joined that person (victim), and that its answer and that of a probe of
// no registered person differ only in the pseudonym.
func wantOnlyPseudonymDiffers(t *testing.T, what string, victim, registered, unused *ttpv1.LinkedRecord) {
	t.Helper()
	if registered.PersonPseudonym != victim.PersonPseudonym {
		t.Fatalf("%s did not join the registered person", what)
	}
	registered.PersonPseudonym, unused.PersonPseudonym = "", ""
	if !proto.Equal(registered, unused) {
		t.Fatalf("%s: the broker can tell a registered person from no one:\n%v\n%v", what, registered, unused)
	}
}
