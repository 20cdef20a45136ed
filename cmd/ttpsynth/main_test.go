package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	var stderr bytes.Buffer
	if err := run([]string{"-persons", "2000", "-seed", "4", "-o", path}, nil, &stderr); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ";"); got != "person_id;agb;patient_number;bsn;family_name;given_names;initials;birth_date;sex;postcode;house_number;icd10;diagnosis_date" {
		t.Errorf("header %s", got)
	}
	per := map[string]int{}
	for _, row := range rows[1:] {
		per[row[0]]++
	}
	pairs := 0
	for _, k := range per {
		pairs += k * (k - 1) / 2
	}
	sum := stderr.String()
	for _, want := range []string{"records                 " + strconv.Itoa(len(rows)-1), "persons                 2000",
		"true matching pairs     " + strconv.Itoa(pairs)} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	if len(per) != 2000 {
		t.Errorf("%d persons in output", len(per))
	}

	// Same flags, same bytes; -no-bsn empties the column.
	var out bytes.Buffer
	if err := run([]string{"-persons", "2000", "-seed", "4", "-q"}, &out, &stderr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), data) {
		t.Error("stdout and file output differ")
	}
	out.Reset()
	if err := run([]string{"-persons", "500", "-no-bsn", "-profile", "heavy", "-q"}, &out, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n")[1:] {
		if f := strings.Split(line, ";"); f[3] != "" {
			t.Fatalf("BSN in -no-bsn output: %s", line)
		}
	}
	for _, bad := range [][]string{{"-profile", "x"}, {"-institutions", "65"}, {"-order", "x"}, {"-persons", "0"}, {"extra"}} {
		if err := run(bad, &out, &stderr); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
