package client

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ttpnl/ttp/apilimits"
	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/synth"
)

func testOPRFKey(t testing.TB, domain string, seed byte) *keys.OPRFKey {
	t.Helper()
	r, err := keys.NewKeyring(domain, rand.NewChaCha8([32]byte{seed}), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	k, err := r.OPRF(1)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testObliviousClient(t testing.TB, key *keys.OPRFKey) *ObliviousClient {
	t.Helper()
	c, err := NewObliviousClient(key.PublicKey(), key.Version())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// For 10,000 generated records the oblivious path (client Blind, TTP
// EvaluateParallel, client FinalizeBatches) and the plaintext path (TTP
// FullEvaluate) give identical pseudonyms. Every record's BSN is checked;
// family name, birth date and postcode for every tenth record, to keep the
// test within a few seconds.
func TestObliviousEqualsPlaintext10000(t *testing.T) {
	records := 10000
	if testing.Short() {
		records = 1000
	}
	key := testOPRFKey(t, "registry-a", 1)
	c := testObliviousClient(t, key)
	gen := synth.New(2026)
	today := identity.Date{Year: 2026, Month: 3, Day: 1}
	fields := []identity.Field{identity.FieldBSN, identity.FieldFamilyName, identity.FieldBirthDate, identity.FieldPostcode}
	values := make([][]string, len(fields))
	for i := range records {
		p := gen.Person()
		for j, raw := range []string{p.BSN, p.FamilyName, p.BirthDate, p.Postcode} {
			if j > 0 && i%10 != 0 {
				continue
			}
			v, prob := identity.NormalizeValue(fields[j], raw, today)
			if prob != nil && prob.Code.Fatal() {
				t.Fatalf("record %d: %s rejected: %v", i, fields[j], prob.Code)
			}
			values[j] = append(values[j], v)
		}
	}
	if len(values[0]) != records {
		t.Fatalf("%d BSNs for %d records", len(values[0]), records)
	}

	workers := runtime.GOMAXPROCS(0)
	for j, f := range fields {
		info := keys.OPRFInfo(key.Domain(), string(f))
		// A broker sends at most a chunk at a time; the TTP spreads each
		// chunk over its cores.
		for from := 0; from < len(values[j]); from += DefaultChunkSize {
			chunk := values[j][from:min(from+DefaultChunkSize, len(values[j]))]
			inputs := make([][]byte, len(chunk))
			for i, v := range chunk {
				inputs[i] = []byte(v)
			}
			blinded, st, err := c.Blind(inputs, info)
			if err != nil {
				t.Fatal(err)
			}
			batches, err := key.EvaluateParallel(blinded, info, workers)
			if err != nil {
				t.Fatal(err)
			}
			outputs, err := c.FinalizeBatches(st, batches, info)
			if err != nil {
				t.Fatal(err)
			}
			// The plaintext path, spread over the cores as the server would.
			want := make([]string, len(chunk))
			var wg sync.WaitGroup
			per := (len(chunk) + workers - 1) / workers
			for w := range workers {
				wg.Go(func() {
					for i := w * per; i < min((w+1)*per, len(chunk)); i++ {
						p, err := key.Pseudonym(string(f), chunk[i])
						if err != nil {
							t.Error(err)
							return
						}
						want[i] = p
					}
				})
			}
			wg.Wait()
			for i := range chunk {
				if got := c.Pseudonym(outputs[i]); got != want[i] {
					t.Fatalf("%s value %d: oblivious %s, plaintext %s", f, from+i, got, want[i])
				}
			}
		}
	}
}

// A client holding another domain's public key rejects the TTP's evaluation
// with ErrProofInvalid, and so does one whose evaluation was tampered with.
func TestObliviousRejectsWrongKeyAndTampering(t *testing.T) {
	key := testOPRFKey(t, "registry-a", 1)
	other := testOPRFKey(t, "registry-b", 2)
	info := keys.OPRFInfo("registry-a", "bsn")
	inputs := [][]byte{[]byte("123456782"), []byte("111222333"), []byte("987654321")}

	wrong := testObliviousClient(t, other)
	blinded, st, err := wrong.Blind(inputs, info)
	if err != nil {
		t.Fatal(err)
	}
	evaluated, proof, err := key.Evaluate(blinded, info)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.Finalize(st, evaluated, proof, info); !errors.Is(err, ErrProofInvalid) {
		t.Fatalf("other domain's key: %v, want ErrProofInvalid", err)
	}

	c := testObliviousClient(t, key)
	blinded, st, err = c.Blind(inputs, info)
	if err != nil {
		t.Fatal(err)
	}
	evaluated, proof, err = key.Evaluate(blinded, info)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Finalize(st, evaluated, proof, info); err != nil {
		t.Fatalf("honest evaluation rejected: %v", err)
	}
	// Swapped elements, a replaced element (a valid element, just not the
	// right one), a flipped proof bit: all fail the proof.
	swapped := [][]byte{evaluated[1], evaluated[0], evaluated[2]}
	replaced := [][]byte{evaluated[0], blinded[1], evaluated[2]}
	badProof := bytes.Clone(proof)
	badProof[3] ^= 1
	for name, tc := range map[string]struct {
		ev    [][]byte
		proof []byte
	}{
		"swapped":  {swapped, proof},
		"replaced": {replaced, proof},
		"proof":    {evaluated, badProof},
	} {
		if _, err := c.Finalize(st, tc.ev, tc.proof, info); !errors.Is(err, ErrProofInvalid) {
			t.Errorf("%s: %v, want ErrProofInvalid", name, err)
		}
	}
	// Evaluated under another field's info.
	evaluated, proof, err = key.Evaluate(blinded, keys.OPRFInfo("registry-a", "postcode"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Finalize(st, evaluated, proof, info); !errors.Is(err, ErrProofInvalid) {
		t.Errorf("other info: %v, want ErrProofInvalid", err)
	}
}

func TestObliviousRejectsMalformedEvaluations(t *testing.T) {
	key := testOPRFKey(t, "registry-a", 1)
	c := testObliviousClient(t, key)
	info := keys.OPRFInfo("registry-a", "bsn")
	blinded, st, err := c.Blind([][]byte{[]byte("1"), []byte("2")}, info)
	if err != nil {
		t.Fatal(err)
	}
	evaluated, proof, err := key.Evaluate(blinded, info)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		ev    [][]byte
		proof []byte
		info  []byte
	}{
		"too few":       {evaluated[:1], proof, info},
		"too many":      {append(evaluated, evaluated[0]), proof, info},
		"identity":      {[][]byte{evaluated[0], make([]byte, 32)}, proof, info},
		"malformed":     {[][]byte{evaluated[0], bytes.Repeat([]byte{0xff}, 32)}, proof, info},
		"short element": {[][]byte{evaluated[0], evaluated[1][:31]}, proof, info},
		"short proof":   {evaluated, proof[:63], info},
		"bad proof":     {evaluated, bytes.Repeat([]byte{0xff}, 64), info},
		"other info":    {evaluated, proof, keys.OPRFInfo("registry-a", "postcode")},
	} {
		if _, err := c.Finalize(st, tc.ev, tc.proof, tc.info); !errors.Is(err, ErrInvalidEvaluation) {
			t.Errorf("%s: %v, want ErrInvalidEvaluation", name, err)
		}
	}
	if _, err := c.Finalize(nil, evaluated, proof, info); !errors.Is(err, ErrInvalidEvaluation) {
		t.Errorf("nil state: %v", err)
	}
	if _, err := c.FinalizeBatches(st, []keys.Batch{{Offset: 1, Evaluated: evaluated[1:], Proof: proof}}, info); !errors.Is(err, ErrInvalidEvaluation) {
		t.Errorf("gap in batches: %v", err)
	}
	if _, err := c.FinalizeBatches(st, nil, info); !errors.Is(err, ErrInvalidEvaluation) {
		t.Errorf("no batches: %v", err)
	}
	for _, r := range [][2]int{{-1, 1}, {0, 3}, {1, 1}} {
		if _, err := st.Sub(r[0], r[1]); !errors.Is(err, ErrInvalidEvaluation) {
			t.Errorf("Sub(%d, %d): %v", r[0], r[1], err)
		}
	}
}

func TestObliviousClientInputs(t *testing.T) {
	key := testOPRFKey(t, "registry-a", 1)
	for _, pub := range [][]byte{nil, make([]byte, 32), bytes.Repeat([]byte{0xff}, 32), key.PublicKey()[:31]} {
		if _, err := NewObliviousClient(pub, 1); !errors.Is(err, ErrInvalidPublicKey) {
			t.Errorf("public key %x: %v", pub, err)
		}
	}
	if _, err := NewObliviousClient(key.PublicKey(), 0); err == nil {
		t.Error("version 0 accepted")
	}
	c := testObliviousClient(t, key)
	info := keys.OPRFInfo("registry-a", "bsn")
	if _, _, err := c.Blind(nil, info); !errors.Is(err, keys.ErrEmptyBatch) {
		t.Errorf("no inputs: %v", err)
	}
	if _, _, err := c.Blind([][]byte{make([]byte, keys.MaxOPRFInputLen+1)}, info); !errors.Is(err, keys.ErrInputTooLong) {
		t.Errorf("long input: %v", err)
	}
	if _, _, err := c.Blind([][]byte{{1}}, make([]byte, keys.MaxOPRFInfoLen+1)); !errors.Is(err, keys.ErrInfoTooLong) {
		t.Errorf("long info: %v", err)
	}
	// The state keeps its own copy of the inputs.
	in := []byte("123456782")
	blinded, st, err := c.Blind([][]byte{in, nil}, info)
	if err != nil {
		t.Fatal(err)
	}
	in[0] = '9'
	evaluated, proof, err := key.Evaluate(blinded, info)
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Finalize(st, evaluated, proof, info)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := key.Pseudonym("bsn", "123456782")
	empty, _ := key.Pseudonym("bsn", "")
	if c.Pseudonym(out[0]) != want || c.Pseudonym(out[1]) != empty {
		t.Fatal("finalised output does not match the plaintext path")
	}
	if s := fmt.Sprintf("%v %+v %#v %x", st, st, st, st); bytes.Contains([]byte(s), []byte("123456782")) {
		t.Fatalf("state prints its inputs: %s", s)
	}
}

// The client stops before a stream carries more elements than the server
// evaluates in one (apilimits.MaxElementsPerStream), with a message that
// says what to do, and sends nothing of the chunk that would exceed it.
func TestObliviousStreamLimit(t *testing.T) {
	key := testOPRFKey(t, "registry-a", 1)
	norm, err := identity.NewNormalizer([]identity.Field{identity.FieldBSN}, identity.Date{Year: 2026, Month: 3, Day: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := &obliviousCoder{oc: testObliviousClient(t, key), fields: []identity.Field{identity.FieldBSN}, norm: norm,
		infos: [][]byte{keys.OPRFInfo("registry-a", "bsn")}, normalised: make([]string, 1)}
	records := []*ttpv1.Record{{RowKey: "1", Values: []string{"123456782"}}, {RowKey: "2", Values: []string{"111222333"}}}
	c.elements = apilimits.MaxElementsPerStream - 2
	if _, msgs, err := c.blind(records); err != nil || len(msgs) != 1 {
		t.Fatalf("a chunk that reaches the limit: %d messages, %v", len(msgs), err)
	}
	_, msgs, err := c.blind(records[:1])
	if err == nil || msgs != nil || !strings.Contains(err.Error(), "split it into smaller files") {
		t.Fatalf("a chunk beyond the limit: %d messages, %v", len(msgs), err)
	}
}
