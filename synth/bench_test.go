package synth

import (
	"io"
	"testing"
)

func benchRecords(b *testing.B, order Order, prof Profile) {
	p := NewPopulation(Config{Seed: 1, Persons: 100_000, Profile: prof, Order: order})
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for r := range p.Records() {
			_ = r
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkRecordsByInstitution(b *testing.B) { benchRecords(b, ByInstitution, DefaultProfile()) }
func BenchmarkRecordsByPerson(b *testing.B)      { benchRecords(b, ByPerson, DefaultProfile()) }
func BenchmarkRecordsHeavy(b *testing.B)         { benchRecords(b, ByInstitution, HeavyProfile()) }

func BenchmarkWriteCSV(b *testing.B) {
	p := NewPopulation(Config{Seed: 1, Persons: 100_000, Profile: DefaultProfile()})
	n := int64(0)
	for b.Loop() {
		k, err := WriteCSV(io.Discard, p.Records(), CSVOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n += k
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
