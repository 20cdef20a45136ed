package main

import (
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/synth"
)

// delivery is one institution's file, in chunks of at most
// linkage.MaxBatch records, so that each chunk is registered as one batch.
// A row's key is its source, "AGB/patient number": unique across files.
type delivery struct {
	chunks [][]*ttpv1.Record
	rows   int
}

// deliveries are the files of the institutions of one synthetic population
// (seed 21, 80% of persons at two or more institutions), each in as many
// chunks. An institution's records come in ascending person ID, so chunk i
// of every file holds many of the same persons: files registered at the
// same time meet in the person index at the same time.
func deliveries(persons, institutions, chunksPerFile int) []delivery {
	pop := synth.NewPopulation(synth.Config{Seed: 21, Persons: persons, Institutions: institutions, Overlap: 0.8, Profile: synth.DefaultProfile()})
	files := make([][]*ttpv1.Record, institutions)
	for r := range pop.Records() {
		files[r.Institution] = append(files[r.Institution], recordOf(r, r.AGB+"/"+r.PatientNumber))
	}
	out := make([]delivery, institutions)
	for i, recs := range files {
		size := (len(recs) + chunksPerFile - 1) / chunksPerFile
		for lo := 0; lo < len(recs); lo += size {
			out[i].chunks = append(out[i].chunks, recs[lo:min(lo+size, len(recs))])
		}
		out[i].rows = len(recs)
	}
	return out
}
