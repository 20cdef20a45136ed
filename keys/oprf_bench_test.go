package keys

import (
	"runtime"
	"testing"

	"github.com/cloudflare/circl/oprf"
)

// Evaluate throughput for a batch of 1024 blinded elements, reported as
// elements/s, next to circl's own PartialObliviousServer.Evaluate on the same
// key, info and elements in the same run:
//
//	go test ./keys/ -run '^$' -bench OPRFEvaluate -benchtime 20x
//
// circl's benchmark starts from decoded group elements and ends with
// group elements; ours is the served path, from request bytes (decoded and
// validated) to response bytes (encoded evaluations and proof).
const benchBatch = 1024

func benchmarkOPRFSetup(b *testing.B) (*OPRFKey, [][]byte, []byte) {
	key := mustOPRF(b, mustKeyring(b, "registry-a", 1), 1)
	info := key.Info("bsn")
	blinded := validBlinded(b, key, benchBatch)
	if _, _, err := key.Evaluate(blinded[:1], info); err != nil { // warm the per-info cache
		b.Fatal(err)
	}
	return key, blinded, info
}

func reportElements(b *testing.B) {
	b.ReportMetric(float64(b.N)*benchBatch/b.Elapsed().Seconds(), "elements/s")
}

func BenchmarkOPRFEvaluate(b *testing.B) {
	key, blinded, info := benchmarkOPRFSetup(b)

	b.Run("circl", func(b *testing.B) {
		server := oprf.NewPartialObliviousServer(oprf.SuiteRistretto255, key.secret().priv)
		req := &oprf.EvaluationRequest{Elements: circlEvaluation(b, blinded, make([]byte, OPRFProofSize)).Elements}
		b.ResetTimer()
		for range b.N {
			if _, err := server.Evaluate(req, info); err != nil {
				b.Fatal(err)
			}
		}
		reportElements(b)
	})
	b.Run("Evaluate", func(b *testing.B) {
		for range b.N {
			if _, _, err := key.Evaluate(blinded, info); err != nil {
				b.Fatal(err)
			}
		}
		reportElements(b)
	})
	b.Run("EvaluateParallel", func(b *testing.B) {
		workers := runtime.GOMAXPROCS(0)
		for range b.N {
			if _, err := key.EvaluateParallel(blinded, info, workers); err != nil {
				b.Fatal(err)
			}
		}
		reportElements(b)
	})
}

func BenchmarkOPRFFullEvaluate(b *testing.B) {
	key := mustOPRF(b, mustKeyring(b, "registry-a", 1), 1)
	info := key.Info("bsn")
	input := []byte("123456782")
	for range b.N {
		if _, err := key.FullEvaluate(input, info); err != nil {
			b.Fatal(err)
		}
	}
}
