package identity

import "testing"

// A typical record, as hospitals send it: not yet canonical.
var benchRecord = []string{"123 456 782", "Berg, van der", "04-03-2001", "1234 ab"}

func BenchmarkNormalize(b *testing.B) {
	n, err := NewNormalizer([]Field{FieldBSN, FieldFamilyName, FieldBirthDate, FieldPostcode}, testToday)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		raw  []string
	}{
		{"raw", benchRecord},
		{"canonical", []string{"123456782", "jansen", "2001-03-04", "1234AB"}},
		{"diacritics", []string{"123456782", "Müller-Lüdenscheidt", "2001-03-04", "1234AB"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			out := make([]string, 4)
			dst := make([]Problem, 0, 8)
			b.ReportAllocs()
			for b.Loop() {
				dst = n.Normalize(dst[:0], bc.raw, out)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/4, "ns/value")
		})
	}
}

func benchCanon(b *testing.B, in string, canon func(string) (string, Code)) {
	b.ReportAllocs()
	for b.Loop() {
		canon(in)
	}
}

func BenchmarkBSN(b *testing.B)        { benchCanon(b, "123.456.782", canonicalBSN) }
func BenchmarkBSNPlain(b *testing.B)   { benchCanon(b, "123456782", canonicalBSN) }
func BenchmarkFamilyName(b *testing.B) { benchCanon(b, "Berg, van der", canonicalFamilyName) }
func BenchmarkFamilyNameASCII(b *testing.B) {
	benchCanon(b, "Jansen", canonicalFamilyName)
}
func BenchmarkFamilyNameUnicode(b *testing.B) {
	benchCanon(b, "Müller-Lüdenscheidt", canonicalFamilyName)
}
func BenchmarkGivenNames(b *testing.B) { benchCanon(b, "Jan Pieter", canonicalGivenNames) }
func BenchmarkInitials(b *testing.B)   { benchCanon(b, "J.P.", canonicalInitials) }
func BenchmarkBirthDate(b *testing.B) {
	benchCanon(b, "4/3/2001", func(s string) (string, Code) { return canonicalBirthDate(s, testToday) })
}
func BenchmarkSex(b *testing.B)         { benchCanon(b, "vrouw", canonicalSex) }
func BenchmarkPostcode(b *testing.B)    { benchCanon(b, "1234 ab", canonicalPostcode) }
func BenchmarkHouseNumber(b *testing.B) { benchCanon(b, "12 a", canonicalHouseNumber) }
func BenchmarkAGB(b *testing.B)         { benchCanon(b, "01234567", canonicalAGB) }
func BenchmarkPatientNumber(b *testing.B) {
	benchCanon(b, "a12345", canonicalLocalPatientNumber)
}
