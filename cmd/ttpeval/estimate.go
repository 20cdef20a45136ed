package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"os"
	"time"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/client/csvfile"
	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/linkage/em"
)

// Flags of -estimate (see runEstimate).
var (
	estUPairs     = flag.Int("u-pairs", 1_000_000, "-estimate: random record pairs to count u on")
	estIterations = flag.Int("em-iterations", 500, "-estimate: most EM iterations")
	estMode       = flag.String("estimate-mode", "hybrid", "-estimate: the model written: fix-u (u from random pairs, EM for m with u fixed), em (EM for m and u on the candidate pairs), hybrid (m from em, u from random pairs)")
	estSample     = flag.Float64("candidate-sample", 1, "-estimate: share of records whose candidate pairs EM uses")
	estSeed       = flag.Uint64("seed", 1, "-estimate: seed of the random pairs")
)

// runEstimate estimates a model from the file and compares it with the
// default:
//
//  1. register the file into a fresh index with the default model (its
//     precision, recall and F1 are the default's figures);
//  2. count u on random record pairs (-u-pairs), then run EM on the index's
//     candidate pairs twice: for m and λ with that u fixed (fix-u), and for
//     m, u and λ (em); hybrid takes em's m with the random pairs' u;
//  3. write the model chosen by -estimate-mode (default fix-u) to out (the
//     server reads it via the configuration's linkage_model_file) and print
//     m, u and weights beside the defaults;
//  4. register the file again into fresh indexes, once per estimated model
//     (thresholds kept from the default), and print the figures of all.
//
// The estimated models are compared, never adopted: DefaultModel stays
// what it is unless someone decides otherwise on these figures.
func runEstimate(out, path, mapping, truth string, batch int) error {
	key := linkageKey
	def := linkage.DefaultModel()

	var fixedU, freeU, hybrid *linkage.Model
	var candidates int
	fmt.Printf("registering %s with the default model\n", path)
	base, err := evaluateFile(path, mapping, truth, batch, key, def, "", func(ix *linkage.Index) error {
		t := time.Now()
		withU, err := em.EstimateU(context.Background(), ix, def, *estUPairs, mrand.New(mrand.NewPCG(*estSeed, 0x7470)))
		if err != nil {
			return err
		}
		fmt.Printf("u from %d random pairs: %v\n", *estUPairs, time.Since(t).Round(time.Millisecond))
		t = time.Now()
		patterns, err := ix.CandidatePatterns(context.Background(), 0, *estSample)
		if err != nil {
			return err
		}
		candidates = len(patterns)
		fmt.Printf("%d candidate pairs: %v\n", len(patterns), time.Since(t).Round(time.Millisecond))
		t = time.Now()
		var rep em.Report
		fixedU, rep, err = em.EstimateM(patterns, withU, *estIterations)
		if err != nil {
			return fmt.Errorf("EM with u fixed: %w", err)
		}
		printReport("EM, u fixed (random pairs)", rep, time.Since(t))
		t = time.Now()
		freeU, rep, err = em.Estimate(patterns, def, *estIterations)
		if err != nil {
			return fmt.Errorf("EM for m and u: %w", err)
		}
		printReport("EM, m and u", rep, time.Since(t))
		hybrid, err = em.CombineMU(freeU, withU)
		return err
	})
	if err != nil {
		return err
	}
	var chosen *linkage.Model
	switch *estMode {
	case "fix-u":
		chosen = fixedU
	case "em":
		chosen = freeU
	case "hybrid":
		chosen = hybrid
	default:
		return fmt.Errorf("-estimate-mode %q: want fix-u, em or hybrid", *estMode)
	}
	js, err := chosen.MarshalJSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, append(js, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%s)\n\n", out, *estMode)
	printModels(def, fixedU, freeU, hybrid)

	fmt.Println()
	results := []struct {
		name string
		ev   *evaluation
	}{{"default", base}}
	for _, m := range []struct {
		name  string
		model *linkage.Model
	}{{"fix-u", fixedU}, {"em", freeU}, {"hybrid", hybrid}} {
		fmt.Printf("registering %s with the model %s\n", path, m.name)
		ev, err := evaluateFile(path, mapping, truth, batch, key, m.model, "", nil)
		if err != nil {
			return err
		}
		results = append(results, struct {
			name string
			ev   *evaluation
		}{m.name, ev})
	}
	fmt.Printf("\n%d records, %d candidate pairs, thresholds %.1f / %.1f\n", base.records, candidates, def.Upper, def.Lower)
	fmt.Printf("%-14s %9s %9s %9s %8s %8s %8s\n", "model", "precision", "recall", "F1", "linked", "new", "review")
	for _, r := range results {
		p, rc, f1 := r.ev.Scores()
		fmt.Printf("%-14s %9.5f %9.5f %9.5f %8d %8d %8d\n", r.name, p, rc, f1,
			r.ev.decisions[linkage.Linked], r.ev.decisions[linkage.New], r.ev.decisions[linkage.Review])
	}
	return nil
}

func printReport(name string, rep em.Report, d time.Duration) {
	fmt.Printf("%s: %d pairs, %d distinct patterns, %d iterations (converged %v), λ %.5f (start %.5f), log-likelihood %.1f, %v\n",
		name, rep.Pairs, rep.Distinct, rep.Iterations, rep.Converged, rep.Lambda, rep.StartLambda, rep.LogLikelihood, d.Round(time.Millisecond))
}

// printModels prints m, u and the weight of every level, per model, from
// their JSON form (which names comparisons and levels).
func printModels(models ...*linkage.Model) {
	type level = map[string]linkage.MU
	var parsed []map[string]level
	for _, m := range models {
		var js struct {
			Comparisons map[string]level `json:"comparisons"`
		}
		raw, _ := m.MarshalJSON()
		if err := json.Unmarshal(raw, &js); err != nil {
			panic(err)
		}
		parsed = append(parsed, js.Comparisons)
	}
	fmt.Printf("%-27s %25s %25s %25s %25s\n", "", "default", "fix-u", "em", "hybrid")
	fmt.Printf("%-27s", "comparison/level")
	for range models {
		fmt.Printf(" %8s %9s %6s", "m", "u", "weight")
	}
	fmt.Println()
	for _, c := range linkage.ComparisonNames() {
		for _, l := range linkage.LevelNames(c) {
			fmt.Printf("%-27s", c+"/"+l)
			for _, p := range parsed {
				mu := p[c][l]
				fmt.Printf(" %8.5f %9.3g %6.1f", mu.M, mu.U, math.Log2(mu.M/mu.U))
			}
			fmt.Println()
		}
	}
}

// evaluateFile registers the file into a fresh index with model (in a
// temporary store, or in storeDir if not ""), runs then (if not nil) on the
// index, and returns the evaluation.
func evaluateFile(path, mapping, truth string, batchSize int, key []byte, model *linkage.Model, storeDir string, then func(*linkage.Index) error) (*evaluation, error) {
	mappings, err := client.ParseMappings(mapping)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := csvfile.NewReader(f, csvfile.Options{})
	if err != nil {
		return nil, err
	}
	fields := make([]identity.Field, len(mappings))
	cols := make([]int, len(mappings))
	for i, m := range mappings {
		fields[i] = m.Field
		c, ok := r.Column(m.Column)
		if !ok {
			return nil, csvfile.MissingColumn(m.Column)
		}
		cols[i] = c
	}
	truthCol, ok := r.Column(truth)
	if !ok {
		return nil, csvfile.MissingColumn(truth)
	}
	dir := storeDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "ttpeval-*"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	ix, st, err := openIndex(dir, model)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	enc := linkage.NewEncoder(key)
	parser, err := linkage.NewParser(fields, evalOwner, "eval", identity.Today())
	if err != nil {
		return nil, err
	}
	ev := &evaluation{}
	if showMisses {
		ev.misses = &missLog{model: model}
	}
	for {
		rows, truths, first, err := readBatch(r, cols, truthCol, batchSize)
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			break
		}
		batch, kept, problems := encodeBatch(parser, enc, rows, first)
		accepted := make([]bool, len(rows))
		for _, i := range kept {
			accepted[i] = true
		}
		for i, ok := range accepted {
			if !ok {
				ev.reject(truths[i])
				if showMisses {
					fmt.Fprintf(os.Stderr, "rejected %s: %s\n", truths[i], problemCodes(problems[i]))
				}
			}
		}
		results, err := register(ix, batch)
		if err != nil {
			return nil, err
		}
		for i, res := range results {
			ev.add(truths[kept[i]], &batch[i], res)
		}
	}
	if ev.records == 0 {
		return nil, errors.New("no records")
	}
	ev.work = ix.WorkCounts()
	if then != nil {
		if err := then(ix); err != nil {
			return nil, err
		}
	}
	return ev, nil
}
