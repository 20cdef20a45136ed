package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ttpnl/ttp/server/linkage"
)

// runAdapt measures what a linkage space's own estimate of replaced BSNs
// (linkage.EstimateOtherBSN) changes, as an operator would use it:
//
//  1. register the file into a fresh index with the model (its figures
//     are the model's own, as without -adapt);
//  2. estimate, on that index's candidate pairs and without the ground
//     truth, which patterns with two different valid BSNs go to a clerk;
//  3. register the file again into a fresh index with the model and the
//     estimate, and print its figures.
//
// The estimate is made on the file it is then measured on, as a server's
// is made on its index and used for what is registered after.
// With out set, it also writes the model with the estimate there, for
// -model (and ttpd's linkage_model_file) to use on other files.
func runAdapt(path, mapping, truth string, batch int, model *linkage.Model, out string) error {
	var est *linkage.OtherBSN
	base, err := evaluateFile(path, mapping, truth, batch, linkageKey, model, "", func(ix *linkage.Index) error {
		pairs, err := ix.CandidatePairs(context.Background(), 0, 1)
		est = linkage.EstimateOtherBSN(pairs, model)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Println("with the model alone:")
	base.print(os.Stdout)
	printOtherBSN(os.Stdout, est)
	adapted := *model
	adapted.SetOtherBSN(est)
	if out != "" {
		js, err := adapted.MarshalJSON()
		if err == nil {
			err = os.WriteFile(out, append(js, '\n'), 0o644)
		}
		if err != nil {
			return err
		}
	}
	ev, err := evaluateFile(path, mapping, truth, batch, linkageKey, &adapted, "", nil)
	if err != nil {
		return err
	}
	fmt.Println("with the estimate:")
	ev.print(os.Stdout)
	return nil
}

// printOtherBSN prints an estimate: levels and counts, no values.
func printOtherBSN(w io.Writer, est *linkage.OtherBSN) {
	fmt.Fprintf(w, "estimate: %d records of a whole identity with two valid BSNs, replaced %.4f; %d patterns to a clerk\n", est.IdentityPairs, est.Replaced, len(est.Review))
	for _, r := range est.Review {
		fmt.Fprintf(w, "  %d records with two BSNs, %d with one: %s\n", r.Pairs, r.Agreeing, strings.TrimSpace(describe(r.Pattern)))
	}
}
