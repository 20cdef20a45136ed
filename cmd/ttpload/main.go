// Command ttpload measures `ttp code` (or, with -link, `ttp link`; with
// -convert, `ttp convert`) end to end: it builds ttpd and ttp, generates a
// synthetic CSV file, starts ttpd in dev mode on loopback (mTLS, a real
// Badger store, or the PostgreSQL database -store names), runs ttp on the
// file as a separate process, and reports records/s, pseudonyms/s and the
// client's peak memory.
//
//	go run ./cmd/ttpload -rows 1000000
//	go run ./cmd/ttpload -rows 200000 -link -store postgres:///ttp?host=/run/postgresql
//	go run ./cmd/ttpload -rows 1000000 -convert
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ttpnl/ttp/synth"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ttpload:", err)
		os.Exit(1)
	}
}

func run() error {
	rows := flag.Int("rows", 1_000_000, "rows in the generated file")
	dir := flag.String("dir", "", "working directory (default: a new temporary one, removed afterwards)")
	chunk := flag.Int("chunk", 0, "records per message (default: ttp's)")
	storeURL := flag.String("store", "", "a PostgreSQL URL for ttpd's store (default: Badger in the working directory)")
	link := flag.Bool("link", false, "measure ttp link (registration in the person index) instead of ttp code")
	convert := flag.Bool("convert", false, "measure ttp convert (a registry's file into a linkage request's sealed project pseudonyms) instead of ttp code")
	flag.Parse()
	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "ttpload-*"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	fmt.Printf("building ttpd and ttp in %s\n", work)
	for _, name := range []string{"ttpd", "ttp"} {
		build := exec.Command("go", "build", "-o", filepath.Join(work, name), "github.com/ttpnl/ttp/cmd/"+name)
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", name, err)
		}
	}
	in := filepath.Join(work, "load.csv")
	start := time.Now()
	size, err := generate(in, *rows)
	if err != nil {
		return err
	}
	fmt.Printf("generated %d rows (%.1f MB) in %v\n", *rows, float64(size)/1e6, time.Since(start).Round(time.Millisecond))

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	metrics, err := freeAddr()
	if err != nil {
		return err
	}
	ttpdArgs := []string{"-data", filepath.Join(work, "data"), "-listen", addr, "-metrics", metrics}
	if *storeURL != "" {
		ttpdArgs = append(ttpdArgs, "-store", *storeURL)
	}
	ttpd := exec.Command(filepath.Join(work, "ttpd"), ttpdArgs...)
	ttpd.Stderr = os.Stderr
	if err := ttpd.Start(); err != nil {
		return err
	}
	defer func() { ttpd.Process.Signal(syscall.SIGTERM); ttpd.Wait() }()
	if err := waitListening(addr, 30*time.Second); err != nil {
		return err
	}

	if *convert {
		return measureConvert(work, in, *rows)
	}
	out := filepath.Join(work, "load.coded.csv")
	command, mapping := "code", "bsn=bsn,family_name=achternaam,birth_date=geboortedatum,postcode=postcode"
	if *link {
		command, mapping = "link", "agb=agb,patient_number=patientnummer,"+mapping
	}
	args := []string{command, "-env", filepath.Join(work, "data", "clients", "broker.env"), "-domain", "demo",
		"-map", mapping, "-o", out, "-report", filepath.Join(work, "load.report.csv")}
	if *chunk > 0 {
		args = append(args, "-chunk", fmt.Sprint(*chunk))
	}
	ttp := exec.Command(filepath.Join(work, "ttp"), append(args, in)...)
	ttp.Stdout, ttp.Stderr = os.Stdout, os.Stderr
	start = time.Now()
	if err := ttp.Run(); err != nil {
		return fmt.Errorf("ttp %s: %w", command, err)
	}
	wall := time.Since(start)
	ru := ttp.ProcessState.SysUsage().(*syscall.Rusage)
	lines, err := countLines(out)
	if err != nil {
		return err
	}
	if lines != *rows+1 {
		return fmt.Errorf("output file has %d lines, want %d", lines, *rows+1)
	}
	rps := float64(*rows) / wall.Seconds()
	fmt.Printf("ttp %s: %d records, 4 identifying columns, in %v\n", command, *rows, wall.Round(time.Millisecond))
	fmt.Printf("  %.0f records/s, %.0f pseudonyms/s\n", rps, 4*rps)
	fmt.Printf("  client peak memory (max RSS) %.1f MB, client CPU %.2fs\n", float64(ru.Maxrss)/1024, cpu(ru).Seconds())
	return nil
}

func generate(path string, rows int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	g := synth.New(1)
	fmt.Fprintln(w, "id;agb;patientnummer;bsn;achternaam;geboortedatum;postcode;icd10;diagnosedatum;stadium;opmerking")
	for i := 1; i <= rows; i++ {
		p := g.Person()
		fmt.Fprintf(w, "%d;06000001;P%d;%s;%s;%s;%s;C%02d.%d;2026-%02d-%02d;%s;%s\n", i, i, p.BSN, p.FamilyName, p.BirthDate, p.Postcode,
			i%97, i%10, 1+i%12, 1+i%28, []string{"I", "II", "III", "IV"}[i%4], strings.Repeat("x", i%7))
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), f.Close()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("ttpd did not listen on %s within %v", addr, limit)
}

func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
	}
	return n, sc.Err()
}

func cpu(ru *syscall.Rusage) time.Duration {
	return time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
}
