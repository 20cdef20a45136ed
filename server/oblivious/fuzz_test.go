package oblivious_test

import (
	"bytes"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/oblivious"
)

func testKey(t testing.TB) *keys.OPRFKey {
	ring, err := keys.NewKeyring("fuzz", bytes.NewReader(bytes.Repeat([]byte{7}, 64)), time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	k, err := ring.OPRF(1)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// FuzzEvaluateRequest decodes arbitrary bytes as an EvaluateRequest, as the
// server receives it, and runs it through the service's checks and
// evaluation. Nothing may panic; every refusal is InvalidArgument; an
// accepted request is answered with one evaluated element per element.
func FuzzEvaluateRequest(f *testing.F) {
	key := testKey(f)
	good, _ := proto.Marshal(&ttpv1.EvaluateRequest{Domain: "fuzz", Field: "bsn", BlindedElements: [][]byte{key.PublicKey()}})
	f.Add(good)
	f.Add([]byte{})
	bad, _ := proto.Marshal(&ttpv1.EvaluateRequest{Field: "bsn", BlindedElements: [][]byte{make([]byte, 32), bytes.Repeat([]byte{0xff}, 32), {1, 2, 3}}})
	f.Add(bad)
	f.Add([]byte{0x22, 0x20, 0xe2, 0xf2})
	f.Fuzz(func(t *testing.T, data []byte) {
		var req ttpv1.EvaluateRequest
		if proto.Unmarshal(data, &req) != nil {
			return
		}
		job := oblivious.NewJob(key)
		info, err := job.Info(req.Field)
		if err == nil {
			err = job.Check(req.BlindedElements, false)
		}
		var batches []keys.Batch
		if err == nil {
			batches, err = job.Evaluate(req.BlindedElements, info, len(req.BlindedElements)%2 == 0)
		}
		if err != nil {
			if apierr.KindOf(err) != apierr.InvalidArgument {
				t.Fatalf("refused with %v, want InvalidArgument", err)
			}
			return
		}
		n := 0
		for _, b := range batches {
			if int(b.Offset) != n || len(b.Proof) != keys.OPRFProofSize {
				t.Fatalf("batch at %d, proof %d bytes", b.Offset, len(b.Proof))
			}
			n += len(b.Evaluated)
		}
		if n != len(req.BlindedElements) {
			t.Fatalf("%d evaluations for %d elements", n, len(req.BlindedElements))
		}
	})
}
