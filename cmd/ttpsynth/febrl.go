package main

import (
	"io"
	"os"
	"slices"

	"github.com/ttpnl/ttp/synth"
	"github.com/ttpnl/ttp/synth/febrl"
)

// convertFEBRL writes a FEBRL benchmark set in ttpsynth's columns, so that
// ttpeval reads it as it reads a generated population.
func convertFEBRL(path string, noBSN bool, out string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	recs, err := febrl.Read(f, noBSN)
	if err != nil {
		return err
	}
	w := stdout
	if out != "" && out != "-" {
		o, err := os.Create(out)
		if err != nil {
			return err
		}
		defer o.Close()
		w = o
	}
	_, err = synth.WriteCSV(w, slices.Values(recs), synth.CSVOptions{})
	return err
}
