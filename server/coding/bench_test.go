package coding_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"strconv"
	"testing"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/coding"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/records"
	"github.com/ttpnl/ttp/synth"
)

var benchFields = []string{"bsn", "family_name", "birth_date", "postcode"}

func benchRecords(n int) []records.Record {
	g := synth.New(3)
	out := make([]records.Record, n)
	for i := range out {
		p := g.Person()
		out[i] = records.Record{RowKey: strconv.Itoa(i), Values: []string{p.BSN, p.FamilyName, p.BirthDate, p.Postcode}}
	}
	return out
}

func benchJob(b *testing.B) *coding.Job {
	b.Helper()
	reg, _ := newRegistry(b)
	who := audit.Actor{Principal: "hospital"}
	if _, err := reg.Create(ctx, who, "nkr", "", domains.Access{Brokers: []string{"hospital"}}); err != nil {
		b.Fatal(err)
	}
	job, err := codingStart(reg, who, "nkr", benchFields, 0, identity.Today())
	if err != nil {
		b.Fatal(err)
	}
	return job
}

// BenchmarkJobCode is the server's in-process coding path for 4-field
// records: normalisation, HMAC, pseudonym text and the response messages.
// BenchmarkBareHMAC4 does only the four HMAC-SHA256 computations per record
// on the same values, in the same run, as the floor to compare against.
//
//	go test -run XXX -bench 'JobCode|BareHMAC4' ./server/coding/
func BenchmarkJobCode(b *testing.B) {
	job := benchJob(b)
	recs := benchRecords(4096)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		job.Code(recs)
	}
	reportRecords(b, len(recs))
}

func BenchmarkBareHMAC4(b *testing.B) {
	recs := benchRecords(4096)
	key := make([]byte, 32)
	sum := make([]byte, 0, 32)
	// One keyed HMAC state, Reset per value: the cheapest way Go's
	// crypto/hmac can compute these tags.
	m := hmac.New(sha256.New, key)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range recs {
			for _, v := range r.Values {
				m.Reset()
				m.Write([]byte(v))
				sum = m.Sum(sum[:0])
			}
		}
	}
	reportRecords(b, len(recs))
}

func reportRecords(b *testing.B, perOp int) {
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*perOp)/secs, "records/s")
	b.ReportMetric(float64(b.N*perOp*4)/secs, "pseudonyms/s")
	b.ReportMetric(0, "ns/op")
}
