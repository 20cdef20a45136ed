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
		r := mustRegister(t, hospital2, "nkr", probe, rec("1", "06000002", "P-"+bsn, bsn, "van der Berg", ""))[0]
		if !r.Rejected || r.PersonPseudonym != "" || len(r.Problems) == 0 || r.Problems[len(r.Problems)-1].Code != "F-904" {
			t.Fatalf("BSN and family name: %v; want rejected with F-904", r)
		}
	}
	answer := func(key, bsn, family string) *ttpv1.LinkedRecord {
		r := mustRegister(t, hospital2, "nkr", probe, rec("1", "06000002", key, bsn, family, "Jan"))[0]
		if r.Rejected || r.PersonPseudonym == "" {
			t.Fatalf("BSN, family name and given name: %v", r)
		}
		return r
	}
	registered, unused := answer("Q-1", "300000005", "van der Berg"), answer("Q-2", "123456782", "van der Berg")
	if registered.PersonPseudonym != victim.PersonPseudonym {
		t.Fatal("the BSN with its family and given name did not join the registered person")
	}
	registered.PersonPseudonym, unused.PersonPseudonym = "", ""
	if !proto.Equal(registered, unused) {
		t.Fatalf("the broker can tell a registered BSN from an unused one:\n%v\n%v", registered, unused)
	}
	if other := answer("Q-3", "300000005", "Jansen"); other.PersonPseudonym == victim.PersonPseudonym {
		t.Fatal("a known BSN with another family name and no birth date joined the registered person")
	}
}
