// Command ttpeval measures the person index: it registers a CSV file with a
// ground-truth column (ttpsynth writes one) into a fresh index on a real
// Badger store and prints pairwise precision, recall and F1, records/s and
// peak memory.
//
//	go run ./cmd/ttpsynth -persons 100000 -institutions 3 -o /tmp/pop.csv
//	go run ./cmd/ttpeval /tmp/pop.csv
package main

import (
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/client/csvfile"
	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/linkage/pairwise"
)

var showMisses bool

// evalOwner owns every record ttpeval registers: one organisation that
// sends the files of all the population's institutions.
var evalOwner = linkage.Owner{Organisation: "ttpeval"}

const defaultMap = "agb=agb,patient_number=patient_number,bsn=bsn,family_name=family_name,given_names=given_names,initials=initials,birth_date=birth_date,sex=sex,postcode=postcode,house_number=house_number"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ttpeval:", err)
		os.Exit(1)
	}
}

func run() error {
	mapping := flag.String("map", defaultMap, "identifying columns: field=column,...")
	truth := flag.String("truth", "person_id", "ground-truth column: records of one person share its value")
	batchSize := flag.Int("batch", 5000, "records per registration batch")
	storeDir := flag.String("store", "", "store directory (default: a new temporary one)")
	speed := flag.Bool("speed", false, "instead of a file: measure registration speed on generated data (see speed.go)")
	persons := flag.Int("persons", 1_520_000, "-speed: persons in the generated population")
	memLimit := flag.Int64("memory-limit-mb", 1536, "soft memory limit in MiB, as ttpd sets it (0: none; GOMEMLIMIT overrides)")
	flag.BoolVar(&showMisses, "misses", false, "print each record that did not join its true person's first record")
	estimateOut := flag.String("estimate", "", "write a model estimated by EM from FILE.csv to this JSON file, and compare it with the default (see estimate.go)")
	flag.Parse()
	if os.Getenv("GOMEMLIMIT") == "" && *memLimit > 0 {
		debug.SetMemoryLimit(*memLimit << 20)
	}
	if f := os.Getenv("TTPEVAL_CPUPROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			return err
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *speed {
		return measureSpeed(*persons, *batchSize)
	}
	if flag.NArg() != 1 {
		return errors.New("usage: ttpeval [flags] FILE.csv")
	}
	if *estimateOut != "" {
		return runEstimate(*estimateOut, flag.Arg(0), *mapping, *truth, *batchSize)
	}
	mappings, err := client.ParseMappings(*mapping)
	if err != nil {
		return err
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := csvfile.NewReader(f, csvfile.Options{})
	if err != nil {
		return err
	}
	fields := make([]identity.Field, len(mappings))
	cols := make([]int, len(mappings))
	for i, m := range mappings {
		fields[i] = m.Field
		c, ok := r.Column(m.Column)
		if !ok {
			return csvfile.MissingColumn(m.Column)
		}
		cols[i] = c
	}
	truthCol, ok := r.Column(*truth)
	if !ok {
		return csvfile.MissingColumn(*truth)
	}
	dir := *storeDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "ttpeval-*"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	ix, st, err := openIndex(dir, linkage.DefaultModel())
	if err != nil {
		return err
	}
	defer st.Close()
	key := make([]byte, 32)
	rand.Read(key)
	enc := linkage.NewEncoder(key)
	parser, err := linkage.NewParser(fields, evalOwner, "eval", identity.Today())
	if err != nil {
		return err
	}

	var ev evaluation
	start := time.Now()
	rejected := 0
	for {
		rows, truths, first, err := readBatch(r, cols, truthCol, *batchSize)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			break
		}
		batch, kept := encodeBatch(parser, enc, rows, first)
		rejected += len(rows) - len(kept)
		results, err := register(ix, batch)
		if err != nil {
			return err
		}
		for i, res := range results {
			truth := truths[kept[i]]
			if showMisses {
				if p, ok := ev.firstPerson[truth]; ok && p != res.Person {
					fmt.Fprintf(os.Stderr, "missed %s %v %.1f\n", truth, res.Decision, res.Score)
				}
			}
			ev.add(truth, res)
		}
	}
	elapsed := time.Since(start)
	p, rc, f1 := ev.Scores()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("records %d (rejected %d), persons found %d, true persons %d\n", ev.records, rejected, ev.PredictedPersons(), ev.TruePersons())
	fmt.Printf("decisions: linked %d, new %d, review %d, known %d\n", ev.decisions[linkage.Linked], ev.decisions[linkage.New], ev.decisions[linkage.Review], ev.decisions[linkage.Known])
	fmt.Printf("pairs: true %d, predicted %d, correct %d\n", ev.TruePairs(), ev.PredictedPairs(), ev.CorrectPairs())
	fmt.Printf("precision %.5f  recall %.5f  F1 %.5f\n", p, rc, f1)
	fmt.Printf("%.0f records/s (%v, %d cores), peak memory %.0f MB\n", float64(ev.records)/elapsed.Seconds(), elapsed.Round(time.Millisecond), runtime.GOMAXPROCS(0), float64(ru.Maxrss)/1024)
	return nil
}

func readBatch(r *csvfile.Reader, cols []int, truthCol, n int) (rows [][]string, truths []string, first int, err error) {
	for len(rows) < n {
		var row csvfile.Row
		row, err = r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, 0, err
		}
		if row.Problem != nil {
			continue
		}
		if first == 0 {
			first = row.Number
		}
		values := make([]string, len(cols))
		for i, c := range cols {
			values[i] = row.Fields[c]
		}
		rows = append(rows, values)
		truths = append(truths, row.Fields[truthCol])
	}
	return rows, truths, first, nil
}

// encodeBatch parses and encodes rows on every core. It returns the
// encodings of the accepted rows and, for each, its index in rows.
func encodeBatch(p *linkage.Parser, enc *linkage.Encoder, rows [][]string, first int) (batch []linkage.Encoded, kept []int) {
	prep := linkage.PrepareAll(p, enc, len(rows),
		func(i int) []string { return rows[i] },
		func(i int) string { return fmt.Sprint(first + i) })
	for i := range prep {
		if !prep[i].Rejected {
			batch = append(batch, prep[i].Encoded)
			kept = append(kept, i)
		}
	}
	return batch, kept
}

// evaluation counts decisions and, with pairwise.Tally, pairwise
// agreement between predicted and true persons.
type evaluation struct {
	pairwise.Tally
	records     int
	decisions   map[linkage.Decision]int
	firstPerson map[string]uint64
}

func (e *evaluation) add(truth string, r linkage.Result) {
	if e.decisions == nil {
		e.decisions, e.firstPerson = map[linkage.Decision]int{}, map[string]uint64{}
	}
	if _, ok := e.firstPerson[truth]; !ok {
		e.firstPerson[truth] = r.Person
	}
	e.records++
	e.Add(truth, strconv.FormatUint(r.Person, 16))
	e.decisions[r.Decision]++
}
