package linkage

import (
	"runtime"
	"sync"

	"github.com/ttpnl/ttp/identity"
)

// Prepared is a record parsed and, unless rejected, encoded.
type Prepared struct {
	Encoded  Encoded
	Problems []identity.Problem
	Rejected bool
	// Source names the record at its source (SourceOf): kept, sealed,
	// only where a domain allows re-identification (Registration).
	Source string
}

// PrepareAll parses and encodes n records on every core: values(i) gives
// record i's raw values, rowKey(i) its key within the caller's file (see
// Parser.Parse). Parsing and encoding are the
// costly part of registration (keyed hashes), and records are independent;
// matching, which is not, happens afterwards in Index.Register.
func PrepareAll(p *Parser, e *Encoder, n int, values func(int) []string, rowKey func(int) string) []Prepared {
	out := make([]Prepared, n)
	workers := min(runtime.GOMAXPROCS(0), 1+n/256)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var in Input
			for i := w; i < n; i += workers {
				pr := &out[i]
				pr.Problems = p.Parse(nil, values(i), rowKey(i), &in)
				if identity.Rejected(pr.Problems) {
					pr.Rejected = true
					continue
				}
				pr.Encoded, pr.Source = e.Encode(&in), in.Source
			}
		}()
	}
	wg.Wait()
	return out
}
