// Command ttpsynth writes a synthetic Dutch patient population with ground
// truth as ";"-separated CSV: the same persons at several institutions,
// each record corrupted independently by a documented profile (see
// package synth). Output is deterministic for its flags.
//
//	ttpsynth -persons 100000 -institutions 3 -seed 1 [-no-bsn]
//	         [-profile default|clean|heavy] [-overlap 0.4]
//	         [-order institution|person] [-first-id 0] [-explain] [-o FILE.csv]
//	ttpsynth -febrl dataset1.csv [-no-bsn] [-o FILE.csv]
//
// Columns: person_id (ground truth), agb, patient_number, bsn,
// family_name, given_names, initials, birth_date, sex, postcode,
// house_number, icd10, diagnosis_date, and with -explain corruptions.
// A summary (records, persons, persons at 2+ institutions, true matching
// pairs) goes to standard error.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ttpnl/ttp/synth"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ttpsynth:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ttpsynth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	persons := fs.Int("persons", 100_000, "number of persons")
	insts := fs.Int("institutions", 3, "number of institutions (1-64)")
	seed := fs.Uint64("seed", 1, "random seed")
	noBSN := fs.Bool("no-bsn", false, "remove every BSN")
	profile := fs.String("profile", "default", "corruption profile: default, clean or heavy")
	overlap := fs.Float64("overlap", synth.DefaultOverlap, "share of persons at 2 or more institutions")
	order := fs.String("order", "institution", "record order: institution (all of one institution, then the next) or person")
	firstID := fs.Int64("first-id", 0, "person IDs start after this one")
	explain := fs.Bool("explain", false, "add a column naming each record's corruptions")
	out := fs.String("o", "", "output file (default standard output)")
	quiet := fs.Bool("q", false, "no summary")
	febrlFile := fs.String("febrl", "", "instead of generating: map this FEBRL benchmark set (see package synth/febrl) to the same columns (with -no-bsn, -o)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *febrlFile != "" {
		return convertFEBRL(*febrlFile, *noBSN, *out, stdout)
	}
	prof, err := synth.ProfileByName(*profile)
	if err != nil {
		return err
	}
	prof.NoBSN = *noBSN
	cfg := synth.Config{Seed: *seed, Persons: *persons, FirstID: *firstID, Institutions: *insts, Overlap: *overlap, Profile: prof}
	if *overlap == 0 {
		cfg.Overlap = -1 // 0 means the default in Config
	}
	switch *order {
	case "institution":
		cfg.Order = synth.ByInstitution
	case "person":
		cfg.Order = synth.ByPerson
	default:
		return fmt.Errorf("unknown order %q (want institution or person)", *order)
	}
	if *persons <= 0 {
		return fmt.Errorf("persons must be positive")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	pop := synth.NewPopulation(cfg)

	w := stdout
	var f *os.File
	if *out != "" && *out != "-" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	start := time.Now()
	n, err := synth.WriteCSV(bw, pop.Records(), synth.CSVOptions{Explain: *explain})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && f != nil {
		err = f.Close()
	}
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	if *quiet {
		return nil
	}
	st := pop.Stats()
	fmt.Fprintf(stderr, "ttpsynth: seed %d, profile %s%s, %d records in %v (%.0f records/s)\n",
		*seed, prof.Name, map[bool]string{true: " without BSN", false: ""}[*noBSN], n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
	fmt.Fprintf(stderr, "  records                 %d\n", st.Records)
	fmt.Fprintf(stderr, "  persons                 %d (IDs %d-%d)\n", st.Persons, *firstID+1, *firstID+int64(*persons))
	fmt.Fprintf(stderr, "  persons at 2+ inst.     %d (%.1f%%)\n", st.Multi, 100*float64(st.Multi)/float64(max(st.Persons, 1)))
	fmt.Fprintf(stderr, "  true matching pairs     %d\n", st.TruePairs)
	fmt.Fprintf(stderr, "  households (2+ members) %d, twin pairs %d\n", st.Households, st.TwinPairs)
	for k := 1; k < len(st.ByCount); k++ {
		if st.ByCount[k] > 0 {
			fmt.Fprintf(stderr, "  at %d institution(s)     %d\n", k, st.ByCount[k])
		}
	}
	for _, in := range pop.Institutions() {
		fmt.Fprintf(stderr, "  institution %d: AGB %s, %d records, patient numbers like %s, dates %s, sex %s, postcodes %s\n",
			in.Index, in.AGB, st.PerInstitution[in.Index], in.PatientNumber, in.DateFormat, in.SexCodes, in.PostcodeForm)
	}
	return nil
}
