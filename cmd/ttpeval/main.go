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
	speedLinks := flag.Bool("speed-links", false, "-speed: also compare the decisions with the population's ground truth (keeps 4 bytes per indexed person, so peak memory is not comparable)")
	memLimit := flag.Int64("memory-limit-mb", 1536, "soft memory limit in MiB, as ttpd sets it (0: none; GOMEMLIMIT overrides)")
	flag.BoolVar(&showMisses, "misses", false, "print each record that did not join its true person's first record, with its agreement pattern against the closest earlier record of that person and whether they share a blocking key, and each rejected record's problem codes")
	estimateOut := flag.String("estimate", "", "write a model estimated by EM from FILE.csv to this JSON file, and compare it with the default (see estimate.go)")
	modelFile := flag.String("model", "", "evaluate with this model file (JSON, as -estimate and ttpd's linkage_model_file take) instead of the default")
	adapt := flag.Bool("adapt", false, "register FILE.csv, estimate on its index which patterns with two different valid BSNs go to a clerk (see adapt.go), register it again with that estimate, and print both figures")
	adaptOut := flag.String("adapt-model", "", "-adapt: also write the model with the estimate to this JSON file")
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
		return measureSpeed(*persons, *batchSize, *speedLinks)
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
	if *adapt {
		return runAdapt(flag.Arg(0), *mapping, *truth, *batchSize, model, *adaptOut)
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
	// Sized for the rows, as ttpd's registration does: grown by appends,
	// the batch's copies were a tenth of a -speed run's allocation.
	batch = make([]linkage.Encoded, 0, len(rows))
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
// agreement between predicted and true persons; and, with pairwise.Clerk,
// what a perfect clerk would make of the review items.
type evaluation struct {
	pairwise.Tally
	records, rejected int
	decisions         map[linkage.Decision]int
	clerk             pairwise.Clerk

	misses *missLog // -misses: nil unless asked for

	work linkage.WorkCounts // what registering the file asked of the index
}

func (e *evaluation) add(truth string, enc *linkage.Encoded, r linkage.Result) {
	if e.decisions == nil {
		e.decisions = map[linkage.Decision]int{}
	}
	if e.misses != nil {
		e.misses.record(os.Stderr, truth, enc, r)
	}
	e.records++
	person := strconv.FormatUint(r.Person, 16)
	e.Add(truth, person)
	e.decisions[r.Decision]++
	var candidate string
	if r.Decision == linkage.Review {
		candidate = strconv.FormatUint(r.Candidate, 16)
	}
	e.clerk.Add(truth, person, candidate)
}

// reject counts a rejected record: a person of its own, so that every
// true pair it belongs to counts as missed.
func (e *evaluation) reject(truth string) {
	e.rejected++
	person := "rejected-" + strconv.Itoa(e.rejected)
	e.Add(truth, person)
	e.clerk.Add(truth, person, "")
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
		float64(reviews)/float64(max(e.records+e.rejected, 1)), reviews, e.records+e.rejected, float64(e.clerk.ReviewTrue())/float64(max(reviews, 1)))
	p, rc, f1 = e.clerk.Tally().Scores()
	fmt.Fprintf(w, "after a perfect clerk: precision %.5f  recall %.5f  F1 %.5f\n", p, rc, f1)
	// Counts, not timings: they compare across runs on a busy machine.
	n := float64(max(e.records, 1))
	fmt.Fprintf(w, "work per accepted record: candidate pairs scored %.3f; blocks looked up in the store %.3f, candidate records in them %.3f (distinct per batch %.3f, read from the store %.3f)\n",
		float64(e.work.Compared)/n, float64(e.work.Blocks)/n, float64(e.work.Members)/n, float64(e.work.Reads+e.work.CacheHits)/n, float64(e.work.Reads)/n)
}
