package linkage

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/synth"
)

// BenchmarkParseEncode parses and encodes a synthetic population (default
// corruption profile), one record at a time, as registration's preparing
// goroutines do, in each encoding scheme.
//
//	go test -run XXX -bench ParseEncode ./server/linkage/
func BenchmarkParseEncode(b *testing.B) {
	k := newKit(b)
	recs := population(20_000, synth.DefaultProfile())
	for _, scheme := range []Scheme{SchemeHMAC, SchemeCMAC} {
		b.Run(fmt.Sprintf("scheme=%d", scheme), func(b *testing.B) {
			enc := NewEncoderOfScheme(bytes.Repeat([]byte{7}, 32), scheme)
			var in Input
			var problems []identity.Problem
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r := &recs[i%len(recs)]
				problems = k.parser.Parse(problems[:0], synthValues(r), strconv.Itoa(i), &in)
				if !identity.Rejected(problems) {
					enc.Encode(&in)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
