package keys

import (
	"crypto/hmac"
	crand "crypto/rand"
	"crypto/sha256"
	"testing"
)

// The server needs ~600,000 pseudonyms per second on 2 cores next to its
// gRPC work. Compare BenchmarkPseudonym with BenchmarkBareHMAC (a fresh
// hmac.New per value, the naive way) in the same run to see the overhead of
// the text encoding and the savings of pooling keyed HMAC states.

const benchField, benchValue = "family_name", "van der berg"

// sink keeps results alive, as the server does, so the string allocation of
// Pseudonym is counted.
var sink string

func benchPseudonymizer(b *testing.B) *Pseudonymizer {
	return mustPseudonymizer(b, mustKeyring(b, "registry-a", 1), 1)
}

func BenchmarkPseudonym(b *testing.B) {
	p := benchPseudonymizer(b)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = p.Pseudonym(benchField, benchValue)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var s string
			for pb.Next() {
				s = p.Pseudonym(benchField, benchValue)
			}
			_ = s
		})
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 64)
		for b.Loop() {
			buf = p.AppendPseudonym(buf[:0], benchField, benchValue)
		}
	})
}

func BenchmarkBareHMAC(b *testing.B) {
	k := testKEK(b, 1).key.bytes()[:]
	in := []byte("ttp/v1\x00" + benchField + "\x00" + benchValue)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := hmac.New(sha256.New, k)
			m.Write(in)
			_ = m.Sum(nil)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m := hmac.New(sha256.New, k)
				m.Write(in)
				_ = m.Sum(nil)
			}
		})
	})
	// The floor: one keyed state reused without a pool or text encoding.
	b.Run("reset", func(b *testing.B) {
		b.ReportAllocs()
		m := hmac.New(sha256.New, k)
		var sum [sha256.Size]byte
		for b.Loop() {
			m.Reset()
			m.Write(in)
			m.Sum(sum[:0])
		}
	})
}

// BenchmarkWrap seals a source-sized message under a KEK, as a
// re-identification key does for every registered record.
func BenchmarkWrap(b *testing.B) {
	kek := testKEK(b, 0x11)
	msg := []byte("patient\x00Hospital A\x0012345678:0001234567")
	aad := []byte("ttp/v1 reid source 12345678")
	for b.Loop() {
		if _, err := kek.Wrap(msg, aad, crand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}
