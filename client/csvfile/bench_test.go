package csvfile

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

const benchRows = 100_000

// benchTable is a hospital-export-like table: 8 columns, about 100 bytes a
// row, some quoted fields.
func benchTable() [][]string {
	rows := make([][]string, 0, benchRows+1)
	rows = append(rows, []string{"BSN", "Achternaam", "Voornamen", "Geboortedatum", "Postcode", "Opnamedatum", "Diagnose", "Opmerking"})
	for i := range benchRows {
		note := "geen bijzonderheden"
		if i%10 == 0 {
			note = "controle, over \"6 weken\"" // quoted: separator and quotes
		}
		rows = append(rows, []string{
			fmt.Sprintf("%09d", 100000000+i*7),
			"van der Berg-Jansen",
			"Johannes Petrus",
			fmt.Sprintf("19%02d-%02d-%02d", i%100, i%12+1, i%28+1),
			fmt.Sprintf("%04d AB", 1000+i%9000),
			"2024-03-15",
			fmt.Sprintf("I%02d.%d", i%100, i%10),
			note,
		})
	}
	return rows
}

func benchFile(b *testing.B) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf, ',')
	for _, row := range benchTable() {
		w.Write(row)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkReader(b *testing.B) {
	data := benchFile(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil || row.Problem != nil {
				b.Fatal(err, row.Problem)
			}
			n++
		}
		if n != benchRows {
			b.Fatalf("read %d rows", n)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkWriter(b *testing.B) {
	rows := benchTable()
	size := int64(len(benchFile(b)))
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		w := NewWriter(io.Discard, ',')
		for _, row := range rows {
			if err := w.Write(row); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
