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
	"crypto/sha256"
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
	flag.BoolVar(&showMisses, "misses", false, "print each record that did not join its true person's first record, with its agreement pattern against the closest earlier record of that person and whether they share a blocking key, and each rejected record's problem codes")
	estimateOut := flag.String("estimate", "", "write a model estimated by EM from FILE.csv to this JSON file, and compare it with the default (see estimate.go)")
	modelFile := flag.String("model", "", "evaluate with this model file (JSON, as -estimate and ttpd's linkage_model_file take) instead of the default")
	keySeed := flag.String("key-seed", "ttpeval", "the linkage key is SHA-256 of this text, so that runs compare (Bloom filter bits, and so Dice, depend on the key); \"random\" for a random key")
	flag.Parse()
	linkageKey = evalKey(*keySeed)
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
	start := time.Now()
	model := linkage.DefaultModel()
	if *modelFile != "" {
		var err error
		if model, err = linkage.LoadModel(*modelFile); err != nil {
			return err
		}
	}
	ev, err := evaluateFile(flag.Arg(0), *mapping, *truth, *batchSize, linkageKey, model, *storeDir, nil)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	ev.print(os.Stdout)
	fmt.Printf("%.0f records/s (%v, %d cores), peak memory %.0f MB\n", float64(ev.records+ev.rejected)/elapsed.Seconds(), elapsed.Round(time.Millisecond), runtime.GOMAXPROCS(0), float64(ru.Maxrss)/1024)
	return nil
}

// linkageKey is the key every index of this run encodes under (-key-seed).
var linkageKey []byte

func evalKey(seed string) []byte {
	if seed == "random" {
		key := make([]byte, 32)
		rand.Read(key)
		return key
	}
	sum := sha256.Sum256([]byte(seed))
	return sum[:]
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
func encodeBatch(p *linkage.Parser, enc *linkage.Encoder, rows [][]string, first int) (batch []linkage.Encoded, kept []int, problems map[int][]identity.Problem) {
	prep := linkage.PrepareAll(p, enc, len(rows),
		func(i int) []string { return rows[i] },
		func(i int) string { return fmt.Sprint(first + i) })
	for i := range prep {
		if !prep[i].Rejected {
			batch = append(batch, prep[i].Encoded)
			kept = append(kept, i)
		} else if showMisses {
			if problems == nil {
				problems = map[int][]identity.Problem{}
			}
			problems[i] = prep[i].Problems
		}
	}
	return batch, kept, problems
}

// evaluation counts decisions and, with pairwise.Tally, pairwise
// agreement between predicted and true persons; and what a perfect clerk
// would make of the review items.
type evaluation struct {
	pairwise.Tally
	records, rejected int
	decisions         map[linkage.Decision]int
	firstPerson       map[string]uint64

	// The perfect clerk: a review item is a true pair when the record's
	// true person has a record in the candidate person; the clerk merges
	// those, and keeps the others apart.
	truthsOf   map[uint64]map[string]bool // person → the true persons of its records
	assigned   []assignment
	reviewTrue int
	merged     map[uint64]uint64 // person → the person the clerk merged it into

	misses *missLog // -misses: nil unless asked for

	work linkage.WorkCounts // what registering the file asked of the index
}

type assignment struct {
	truth    string
	person   uint64
	rejected int // the rejected record's number; 0 when accepted
}

func (e *evaluation) add(truth string, enc *linkage.Encoded, r linkage.Result) {
	if e.decisions == nil {
		e.decisions, e.firstPerson = map[linkage.Decision]int{}, map[string]uint64{}
		e.truthsOf, e.merged = map[uint64]map[string]bool{}, map[uint64]uint64{}
	}
	if e.misses != nil {
		e.misses.record(os.Stderr, truth, enc, r)
	}
	if _, ok := e.firstPerson[truth]; !ok {
		e.firstPerson[truth] = r.Person
	}
	e.records++
	e.Add(truth, strconv.FormatUint(r.Person, 16))
	e.decisions[r.Decision]++
	if r.Decision == linkage.Review && e.truthsOf[r.Candidate][truth] {
		e.reviewTrue++
		e.merged[e.find(r.Person)] = e.find(r.Candidate)
	}
	if e.truthsOf[r.Person] == nil {
		e.truthsOf[r.Person] = map[string]bool{}
	}
	e.truthsOf[r.Person][truth] = true
	e.assigned = append(e.assigned, assignment{truth: truth, person: r.Person})
}

// find is the person p's records belong to after the clerk's merges.
func (e *evaluation) find(p uint64) uint64 {
	for {
		q, ok := e.merged[p]
		if !ok || q == p {
			return p
		}
		p = q
	}
}

// reject counts a rejected record: a person of its own, so that every
// true pair it belongs to counts as missed.
func (e *evaluation) reject(truth string) {
	e.rejected++
	e.Add(truth, "rejected-"+strconv.Itoa(e.rejected))
	e.assigned = append(e.assigned, assignment{truth: truth, rejected: e.rejected})
}

// afterClerk is the pairwise tally once a perfect clerk has resolved every
// review item.
func (e *evaluation) afterClerk() *pairwise.Tally {
	var t pairwise.Tally
	for _, a := range e.assigned {
		if a.rejected > 0 {
			t.Add(a.truth, "rejected-"+strconv.Itoa(a.rejected))
			continue
		}
		t.Add(a.truth, strconv.FormatUint(e.find(a.person), 16))
	}
	return &t
}

func (e *evaluation) print(w io.Writer) {
	p, rc, f1 := e.Scores()
	reviews := e.decisions[linkage.Review]
	fmt.Fprintf(w, "records %d: accepted %d, rejected %d (each counted as a person of its own); persons found %d, true persons %d\n",
		e.records+e.rejected, e.records, e.rejected, e.PredictedPersons(), e.TruePersons())
	fmt.Fprintf(w, "decisions: linked %d, new %d, review %d, known %d\n", e.decisions[linkage.Linked], e.decisions[linkage.New], reviews, e.decisions[linkage.Known])
	fmt.Fprintf(w, "pairs: true %d, predicted %d, correct %d\n", e.TruePairs(), e.PredictedPairs(), e.CorrectPairs())
	fmt.Fprintf(w, "precision %.5f  recall %.5f  F1 %.5f\n", p, rc, f1)
	fmt.Fprintf(w, "review rate %.4f (%d of %d records), true pairs among review items %.4f\n",
		float64(reviews)/float64(max(e.records+e.rejected, 1)), reviews, e.records+e.rejected, float64(e.reviewTrue)/float64(max(reviews, 1)))
	p, rc, f1 = e.afterClerk().Scores()
	fmt.Fprintf(w, "after a perfect clerk: precision %.5f  recall %.5f  F1 %.5f\n", p, rc, f1)
	// Counts, not timings: they compare across runs on a busy machine.
	n := float64(max(e.records, 1))
	fmt.Fprintf(w, "work per accepted record: candidate pairs scored %.3f; blocks looked up in the store %.3f, candidate records in them %.3f (distinct per batch %.3f, read from the store %.3f)\n",
		float64(e.work.Compared)/n, float64(e.work.Blocks)/n, float64(e.work.Members)/n, float64(e.work.Reads+e.work.CacheHits)/n, float64(e.work.Reads)/n)
}
