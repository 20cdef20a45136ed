package server_test

import (
	"context"
	"crypto/rand"
	"runtime"
	"testing"
	"time"

	"github.com/cloudflare/circl/oprf"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// BenchmarkServedEvaluate measures, in the same run, the throughput of
// EvaluateStream through the real server (loopback, mTLS, audit records,
// messages of 4,096 elements) and of circl's own POPRF server Evaluate
// in-process on the same elements, and fails if the served rate is below
// 0.8 of circl's. Metrics: elements/s of each and their ratio.
//
//	go test ./server -run XXX -bench ServedEvaluate -benchtime 3x
func BenchmarkServedEvaluate(b *testing.B) {
	_, _, cc := obliviousFixture(b)
	ctx := context.Background()
	oc, err := client.NewObliviousClientFor(ctx, cc, "oprf", 0)
	if err != nil {
		b.Fatal(err)
	}
	const perMsg, msgs = keys.MaxEvaluateBatch, 8
	info := keys.OPRFInfo("oprf", "bsn")
	inputs := make([][]byte, perMsg)
	for i := range inputs {
		inputs[i] = []byte{byte(i), byte(i >> 8), 'x'}
	}
	blinded, _, err := oc.Blind(inputs, info)
	if err != nil {
		b.Fatal(err)
	}

	// circl's server, on its own key (the cost does not depend on it).
	sk, err := oprf.GenerateKey(oprf.SuiteRistretto255, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	srv := oprf.NewPartialObliviousServer(oprf.SuiteRistretto255, sk)
	g := oprf.SuiteRistretto255.Group()
	req := &oprf.EvaluationRequest{Elements: make([]oprf.Blinded, len(blinded))}
	for i, e := range blinded {
		req.Elements[i] = g.NewElement()
		if err := req.Elements[i].UnmarshalBinary(e); err != nil {
			b.Fatal(err)
		}
	}
	obl := ttpv1.NewObliviousServiceClient(cc)

	var circlTime, servedTime time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		for range msgs {
			if _, err := srv.Evaluate(req, info); err != nil {
				b.Fatal(err)
			}
		}
		circlTime += time.Since(start)

		start = time.Now()
		stream, err := obl.EvaluateStream(ctx)
		if err != nil {
			b.Fatal(err)
		}
		sendErr := make(chan error, 1)
		go func() {
			for range msgs {
				if err := stream.Send(&ttpv1.EvaluateStreamRequest{Domain: "oprf", Field: "bsn", BlindedElements: blinded}); err != nil {
					sendErr <- err
					return
				}
			}
			sendErr <- stream.CloseSend()
		}()
		for range msgs {
			resp, err := stream.Recv()
			if err != nil {
				b.Fatal(err)
			}
			if n := len(resp.Batches[0].EvaluatedElements); n != perMsg {
				b.Fatalf("%d evaluated elements", n)
			}
		}
		if err := <-sendErr; err != nil {
			b.Fatal(err)
		}
		servedTime += time.Since(start)
	}
	b.StopTimer()
	elements := float64(b.N * msgs * perMsg)
	circlRate, servedRate := elements/circlTime.Seconds(), elements/servedTime.Seconds()
	b.ReportMetric(circlRate, "circl-elements/s")
	b.ReportMetric(servedRate, "served-elements/s")
	b.ReportMetric(servedRate/circlRate, "served/circl")
	b.Logf("GOMAXPROCS %d: circl %.0f elements/s on one core, served %.0f elements/s (%.2f×)", runtime.GOMAXPROCS(0), circlRate, servedRate, servedRate/circlRate)
	if servedRate < 0.8*circlRate {
		b.Errorf("served Evaluate runs at %.2f of circl's Evaluate; want at least 0.8", servedRate/circlRate)
	}
}
