package febrl

import (
	"os"
	"strings"
	"testing"

	"github.com/ttpnl/ttp/identity"
)

func TestMapBSN(t *testing.T) {
	const orig = "6988048"
	valid := mapBSN(orig, orig)
	if _, p := identity.ParseBSN(valid); p != nil {
		t.Fatalf("the original's BSN %s: %v", valid, p)
	}
	for _, typo := range []string{"6988049", "6989048", "9688048", "698048", "69880488"} {
		got := mapBSN(typo, orig)
		if got == valid {
			t.Errorf("typo %s: the original's BSN", typo)
		}
		if _, p := identity.ParseBSN(got); p == nil {
			t.Errorf("typo %s: %s passes the 11-check", typo, got)
		}
	}
	other := mapBSN("1234567", orig)
	if _, p := identity.ParseBSN(other); p != nil || other == valid {
		t.Errorf("a replaced ID: %s (%v); want a valid BSN of its own", other, p)
	}
	if mapBSN("", orig) != "" {
		t.Error("a missing ID gave a BSN")
	}
}

func TestDutchPostcode(t *testing.T) {
	for in, want := range map[string]string{"4011": "4011AB", "0812": "1812AB", "": ""} {
		if got := dutchPostcode(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestReadSets reads the three sets: their sizes and true persons are those
// of the benchmark's README.
func TestReadSets(t *testing.T) {
	for _, c := range []struct {
		file             string
		records, persons int
	}{{"dataset1.csv", 1000, 500}, {"dataset2.csv", 5000, 4000}, {"dataset3.csv", 5000, 2000}} {
		f, err := os.Open("testdata/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := Read(f, false)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		persons := map[int64]bool{}
		invalid := 0
		for _, r := range recs {
			persons[r.PersonID] = true
			if _, p := identity.ParseBSN(r.BSN); p != nil {
				invalid++
			}
			if strings.HasPrefix(r.Postcode, "0") {
				t.Errorf("%s: postcode %s starts with 0", c.file, r.Postcode)
			}
		}
		if len(recs) != c.records || len(persons) != c.persons {
			t.Errorf("%s: %d records of %d persons; want %d of %d", c.file, len(recs), len(persons), c.records, c.persons)
		}
		if invalid == 0 || invalid > len(recs)/10 {
			t.Errorf("%s: %d BSNs fail the 11-check", c.file, invalid)
		}
	}
	if _, err := Read(strings.NewReader("rec_id, surname\nrec-1-org, x\n"), false); err == nil {
		t.Error("a file without the FEBRL columns was read")
	}
}
