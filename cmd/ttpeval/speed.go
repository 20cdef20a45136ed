package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/synth"
)

// speedFields is the order in which synth records are handed to the parser.
var speedFields = []identity.Field{identity.FieldAGB, identity.FieldPatientNumber, identity.FieldBSN,
	identity.FieldFamilyName, identity.FieldGivenNames, identity.FieldInitials, identity.FieldBirthDate,
	identity.FieldSex, identity.FieldPostcode, identity.FieldHouseNumber}

func values(r *synth.Record) []string {
	return []string{r.AGB, r.PatientNumber, r.BSN, r.FamilyName, r.GivenNames, r.Initials, r.BirthDate, r.Sex, r.Postcode, r.HouseNo}
}

// measureSpeed builds two indexes from generated populations of two
// institutions (default profile, 40% of persons at both): institution 0's
// records fill the index, institution 1's records are the ones measured.
// The small population is a tenth of the large one, so the per-record cost
// is compared with ~100,000 and ~1,000,000 persons in the index, in one run.
func measureSpeed(persons, batch int, withLinks bool) error {
	peak, err := startPeakWatch(os.Getenv("TTPEVAL_HEAPPROFILE_AT"))
	if err != nil {
		return err
	}
	var smallLinks, largeLinks *linkTally
	if withLinks {
		smallLinks, largeLinks = new(linkTally), new(linkTally)
	}
	small, err := speedRun(persons/10, batch, 1_000_000, false, smallLinks)
	if err != nil {
		return err
	}
	large, err := speedRun(persons, batch, 1_000_000, true, largeLinks)
	if err != nil {
		return err
	}
	if withLinks {
		smallLinks.report(small.indexed)
		largeLinks.report(large.indexed)
	}
	if small.firstCPUUS > 0 && large.firstCPUUS > 0 { // both measured 90,000
		fmt.Printf("cost per record, first 90,000 measured records: %.1f µs with %d persons indexed, %.1f µs with %d: ratio %.2f\n",
			small.firstUS, small.indexed, large.firstUS, large.indexed, large.firstUS/small.firstUS)
		fmt.Printf("CPU per record (this process, all goroutines), same records: %.1f µs with %d persons, %.1f µs with %d: ratio %.2f\n",
			small.firstCPUUS, small.indexed, large.firstCPUUS, large.indexed, large.firstCPUUS/small.firstCPUUS)
	}
	// The first 90,000 records' CPU depends much on whether a large merge
	// of the runs falls in those seconds; over all measured records the
	// merges they set off are spread as a server pays for them.
	fmt.Printf("CPU per record over all measured records: %.1f µs (%d records) with %d persons, %.1f µs (%d records) with %d: ratio %.2f\n",
		small.allCPUUS, small.measured, small.indexed, large.allCPUUS, large.measured, large.indexed, large.allCPUUS/small.allCPUUS)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("peak memory (max RSS of this process) %.0f MB\n", float64(ru.Maxrss)/1024)
	fmt.Println(peak.report())
	return nil
}

// encoded is a batch ready for the index, from phase 0 (filling) or 1
// (measured), of rows rows (some may have been rejected).
type encoded struct {
	batch   []linkage.Encoded
	phase   int
	rows    int
	persons []int64 // the synthetic person of each of batch's records
}

type speedResult struct {
	indexed int     // persons in the index before measuring
	firstUS float64 // µs per record over the first 90,000 measured records
	// firstCPUUS is the process's CPU time per record over the same
	// records: unlike the elapsed time, it does not depend on what else
	// the machine runs.
	firstCPUUS float64
	measured   int     // records measured: up to the limit
	allCPUUS   float64 // CPU per record over all of them
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// speedRun fills an index with institution 0 and registers institution 1,
// at most limit records of it (0: all); TTPEVAL_MEASURED_CPUPROFILE
// profiles the run if profiled.
func speedRun(persons, batch, limit int, profiled bool, links *linkTally) (speedResult, error) {
	var res speedResult
	dir, err := os.MkdirTemp("", "ttpeval-speed-*")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	ix, st, err := openIndex(dir, linkage.DefaultModel())
	if err != nil {
		return res, err
	}
	defer st.Close()
	enc := linkage.NewEncoder(linkageKey)
	parser, err := linkage.NewParser(speedFields, evalOwner, "eval", identity.Today())
	if err != nil {
		return res, err
	}
	pop := synth.NewPopulation(synth.Config{Seed: 1, Persons: persons, Institutions: 2, Profile: synth.DefaultProfile()})

	// Generating, parsing and encoding run ahead on every core while the
	// index registers, as ttpd's RegisterStream does.
	batches := make(chan encoded, 2)
	go func() {
		defer close(batches)
		var rows [][]string
		var ids []int64
		phase, first := 0, 0
		send := func() {
			b, kept, _ := encodeBatch(parser, enc, rows, first)
			var persons []int64
			if links != nil {
				persons = make([]int64, len(kept))
				for i, k := range kept {
					persons[i] = ids[k]
				}
			}
			batches <- encoded{b, phase, len(rows), persons}
			first += len(rows)
			rows, ids = nil, ids[:0]
		}
		for r := range pop.Records() {
			if r.Institution == 1 && phase == 0 {
				send()
				phase = 1
			}
			rows = append(rows, values(&r))
			ids = append(ids, r.PersonID)
			if len(rows) == batch {
				send()
			}
		}
		if len(rows) > 0 {
			send()
		}
	}()

	measured := 0
	var start, firstDone, end time.Time
	var startCPU, endCPU time.Duration
	var startWork workCount
	fillStart := time.Now()
	// One pipeline for the whole run, as ttpd keeps one for a stream: a
	// batch is matched while the one before is written.
	var pipe linkage.Pipeline
	for b := range batches {
		if b.phase == 1 && start.IsZero() {
			if err := pipe.Flush(); err != nil {
				return res, err
			}
			stats, err := ix.Stats(context.Background())
			if err != nil {
				return res, err
			}
			res.indexed = int(stats.Persons)
			fmt.Printf("index filled: %d records, %d persons, in %v\n", stats.Records, res.indexed, time.Since(fillStart).Round(time.Millisecond))
			if b, ok := st.(interface{ Settle(context.Context) error }); ok {
				// The fill's merges and compactions are the fill's cost.
				settle := time.Now()
				if err := b.Settle(context.Background()); err != nil {
					return res, err
				}
				fmt.Printf("merges and compactions after the fill done in %v\n", time.Since(settle).Round(time.Millisecond))
			}
			runtime.GC()
			start, startCPU, startWork = time.Now(), cpuTime(), countWork(ix, st)
			if f := os.Getenv("TTPEVAL_MEASURED_CPUPROFILE"); f != "" && profiled {
				// The first 90,000 measured records of the large index
				// alone (TTPEVAL_CPUPROFILE takes the whole run).
				out, err := os.Create(f)
				if err != nil {
					return res, err
				}
				defer out.Close()
				if err := pprof.StartCPUProfile(out); err != nil {
					return res, err
				}
				defer pprof.StopCPUProfile()
			}
		}
		if b.phase == 1 && limit > 0 && measured >= limit {
			continue // drain: the producer stops at the population's end
		}
		results, err := registerAsync(ix, b.batch, &pipe)
		if err != nil {
			return res, err
		}
		if links != nil {
			links.record(b.phase, results, b.persons)
		}
		if b.phase == 1 {
			measured += b.rows
			if limit > 0 && measured >= limit {
				// Measured up to the last record durable; what follows
				// is the drain, not measured.
				if err := pipe.Flush(); err != nil {
					return res, err
				}
				end, endCPU = time.Now(), cpuTime()
			}
			if firstDone.IsZero() && measured >= 90_000 {
				firstDone = time.Now()
				res.firstUS = float64(firstDone.Sub(start).Microseconds()) / float64(measured)
				res.firstCPUUS = float64((cpuTime() - startCPU).Microseconds()) / float64(measured)
				fmt.Printf("work per record, first %d measured: %s\n", measured, countWork(ix, st).perRecord(startWork, measured))
				if os.Getenv("TTPEVAL_MEASURED_CPUPROFILE") != "" {
					pprof.StopCPUProfile()
				}
			}
		}
	}
	if err := pipe.Flush(); err != nil {
		return res, err
	}
	if end.IsZero() {
		end, endCPU = time.Now(), cpuTime()
	}
	elapsed := end.Sub(start)
	if f := os.Getenv("TTPEVAL_HEAPPROFILE"); f != "" {
		out, _ := os.Create(f)
		pprof.WriteHeapProfile(out)
		out.Close()
	}
	res.measured = measured
	res.allCPUUS = float64((endCPU - startCPU).Microseconds()) / float64(measured)
	fmt.Printf("registered %d records into an index of %d persons: %.0f records/s (%v, %d cores; CPU %.1f µs per record)\n",
		measured, res.indexed, float64(measured)/elapsed.Seconds(), elapsed.Round(time.Millisecond), runtime.GOMAXPROCS(0), res.allCPUUS)
	if b, ok := st.(interface{ TableIndexBytes() int64 }); ok {
		// What Badger's index cache should hold (badgerstore.Config).
		fmt.Printf("Badger table indexes and bloom filters: %.0f MB\n", float64(b.TableIndexBytes())/1e6)
	}
	return res, nil
}
