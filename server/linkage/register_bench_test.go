package linkage

import (
	"testing"

	"github.com/ttpnl/ttp/synth"
)

// BenchmarkRegister registers a synthetic population (3 institutions, the
// default corruption profile) into an index on a real Badger store, in
// batches of MaxBatch, as ttpd does after parsing; parsing and encoding are
// not measured.
//
//	go test -run XXX -bench Register -benchtime 1x ./server/linkage/
func BenchmarkRegister(b *testing.B) {
	k := newKit(b)
	batch, _ := k.encode(population(20_000, synth.DefaultProfile()))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		ix := openIndex(b)
		b.StartTimer()
		registerAll(b, ix, batch)
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "records/s")
}
