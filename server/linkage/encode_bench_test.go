package linkage

import (
	"strconv"
	"testing"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/synth"
)

// BenchmarkParseEncode parses and encodes a synthetic population (default
// corruption profile), one record at a time, as registration's preparing
// goroutines do.
//
//	go test -run XXX -bench ParseEncode ./server/linkage/
func BenchmarkParseEncode(b *testing.B) {
	k := newKit(b)
	recs := population(20_000, synth.DefaultProfile())
	var in Input
	var problems []identity.Problem
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r := &recs[i%len(recs)]
		problems = k.parser.Parse(problems[:0], synthValues(r), strconv.Itoa(i), &in)
		if !identity.Rejected(problems) {
			k.enc.Encode(&in)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
