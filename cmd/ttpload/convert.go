package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// linkRows is how many rows of the generated file are linked into the
// registry's domain, to have real person pseudonyms to convert.
const linkRows = 2000

// measureConvert links the first rows of the generated file into domain
// nkr as the broker, files and approves a linkage request as the registry
// and the committee, writes a registry file of rows rows whose person
// pseudonyms cycle through the linked ones, and times ttp convert on it.
func measureConvert(work, generated string, rows int) error {
	env := func(name string) string { return filepath.Join(work, "data", "clients", name+".env") }
	head := filepath.Join(work, "head.csv")
	if err := firstLines(generated, head, linkRows+1); err != nil {
		return err
	}
	linked := filepath.Join(work, "head.linked.csv")
	if _, err := runTTP(work, "link", "-env", env("broker"), "-domain", "nkr", "-map",
		"agb=agb,patient_number=patientnummer,bsn=bsn,family_name=achternaam,birth_date=geboortedatum,postcode=postcode",
		"-keep", "id", "-o", linked, "-report", filepath.Join(work, "head.report.csv"), head); err != nil {
		return err
	}
	out, err := runTTP(work, "request", "create", "-env", env("registry"), "-project", "load", "-recipient", "researcher",
		"-sources", "nkr", "-variables", "icd10=A,stadium=A", "-purpose", "ttpload")
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	id := lines[len(lines)-1]
	if _, err := runTTP(work, "request", "submit", "-env", env("registry"), id); err != nil {
		return err
	}
	if _, err := runTTP(work, "request", "approve", "-env", env("committee"), "-reason", "ttpload", id); err != nil {
		return err
	}
	in := filepath.Join(work, "registry.csv")
	if err := registryFile(linked, in, rows); err != nil {
		return err
	}
	conv := filepath.Join(work, "registry.converted.csv")
	ttp := exec.Command(filepath.Join(work, "ttp"), "convert", "-env", env("registry"), "-request", id, "-domain", "nkr",
		"-column", "person_pseudonym", "-o", conv, "-report", filepath.Join(work, "registry.report.csv"), in)
	ttp.Stdout, ttp.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	if err := ttp.Run(); err != nil {
		return fmt.Errorf("ttp convert: %w", err)
	}
	wall := time.Since(start)
	ru := ttp.ProcessState.SysUsage().(*syscall.Rusage)
	n, err := countLines(conv)
	if err != nil {
		return err
	}
	if n != rows+1 {
		return fmt.Errorf("converted file has %d lines, want %d", n, rows+1)
	}
	fmt.Printf("ttp convert: %d rows under request %s, sealed, in %v\n", rows, id, wall.Round(time.Millisecond))
	fmt.Printf("  %.0f rows/s\n", float64(rows)/wall.Seconds())
	fmt.Printf("  client peak memory (max RSS) %.1f MB, client CPU %.2fs\n", float64(ru.Maxrss)/1024, cpu(ru).Seconds())
	return nil
}

// runTTP runs the built ttp and returns its standard output.
func runTTP(work string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(work, "ttp"), args...)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("ttp %s: %w", args[0], err)
	}
	return stdout.String(), nil
}

// firstLines copies the first n lines of src to dst.
func firstLines(src, dst string, n int) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	w := bufio.NewWriter(out)
	for i := 0; i < n && sc.Scan(); i++ {
		fmt.Fprintln(w, sc.Text())
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return out.Close()
}

// registryFile writes a registry's file of rows rows: a record number, the
// person pseudonym of a linked row (cycling), and payload.
func registryFile(linked, path string, rows int) error {
	raw, err := os.ReadFile(linked)
	if err != nil {
		return err
	}
	var persons []string
	for i, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if i > 0 {
			persons = append(persons, strings.SplitN(line, ";", 2)[0])
		}
	}
	if len(persons) == 0 {
		return fmt.Errorf("%s: no linked rows", linked)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "tumour_id;person_pseudonym;icd10;stadium;incidence_year")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(w, "T%d;%s;C%02d.%d;%s;%d\n", i, persons[i%len(persons)], i%97, i%10, []string{"I", "II", "III", "IV"}[i%4], 2000+i%26)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
