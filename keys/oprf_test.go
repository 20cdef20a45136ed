package keys

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/synth"
)

func mustOPRF(t testing.TB, r *Keyring, v Version) *OPRFKey {
	t.Helper()
	k, err := r.OPRF(v)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// circlClient is a broker as RFC 9497 describes it, built only from the
// published public key.
func circlClient(t testing.TB, pub []byte) oprf.PartialObliviousClient {
	t.Helper()
	pk := new(oprf.PublicKey)
	if err := pk.UnmarshalBinary(oprf.SuiteRistretto255, pub); err != nil {
		t.Fatal(err)
	}
	return oprf.NewPartialObliviousClient(oprf.SuiteRistretto255, pk)
}

func blindAll(t testing.TB, c oprf.PartialObliviousClient, inputs [][]byte) (*oprf.FinalizeData, [][]byte) {
	t.Helper()
	fin, req, err := c.Blind(inputs)
	if err != nil {
		t.Fatal(err)
	}
	blinded := make([][]byte, len(req.Elements))
	for i, e := range req.Elements {
		if blinded[i], err = e.MarshalBinaryCompress(); err != nil {
			t.Fatal(err)
		}
	}
	return fin, blinded
}

func TestOPRFKeyDerivation(t *testing.T) {
	r := mustKeyring(t, "registry-a", 1)
	if _, err := r.Rotate(testRand(2), testNow); err != nil {
		t.Fatal(err)
	}
	k1, k2 := mustOPRF(t, r, 1), mustOPRF(t, r, 2)
	if len(k1.PublicKey()) != OPRFElementSize {
		t.Fatalf("public key is %d bytes", len(k1.PublicKey()))
	}
	if bytes.Equal(k1.PublicKey(), k2.PublicKey()) {
		t.Fatal("versions 1 and 2 share an OPRF key")
	}
	if !bytes.Equal(k1.PublicKey(), mustOPRF(t, r, 1).PublicKey()) {
		t.Fatal("OPRF key derivation is not deterministic")
	}
	if k1.Version() != 1 || k2.Version() != 2 || k1.Domain() != "registry-a" {
		t.Fatalf("key describes itself as %s, %s", k1, k2)
	}
	// Another domain, even one with the same random stream, has its own key
	// only through its own version keys: same seed, same key. Different
	// seeds give different keys.
	other := mustOPRF(t, mustKeyring(t, "registry-b", 9), 1)
	if bytes.Equal(other.PublicKey(), k1.PublicKey()) {
		t.Fatal("two domains share an OPRF key")
	}
	for _, v := range []Version{0, 3} {
		if _, err := r.OPRF(v); !errors.Is(err, ErrUnknownVersion) {
			t.Fatalf("OPRF(%d): %v, want ErrUnknownVersion", v, err)
		}
	}

	// The OPRF key is derived from the wrapped version key, so it survives
	// sealing the keyring unchanged: no new key material, no format change.
	kek := testKEK(t, 7)
	sealed, err := r.Seal(kek, testRand(3))
	if err != nil {
		t.Fatal(err)
	}
	reopened, err := OpenKeyring(kek, "registry-a", sealed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustOPRF(t, reopened, 2).PublicKey(), k2.PublicKey()) {
		t.Fatal("OPRF key changed across Seal and OpenKeyring")
	}

	// The derivation is exactly RFC 9497 DeriveKeyPair(K[d,v], "ttp/v1 oprf key").
	direct, err := oprf.DeriveKey(oprf.SuiteRistretto255, oprf.PartialObliviousMode, r.snapshot()[0].key.bytes()[:], []byte("ttp/v1 oprf key"))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := direct.Public().MarshalBinary()
	if !bytes.Equal(pub, k1.PublicKey()) {
		t.Fatal("OPRF key is not DeriveKeyPair(K[d,v], \"ttp/v1 oprf key\")")
	}
}

func TestOPRFInfoAndPseudonymText(t *testing.T) {
	if got, want := string(OPRFInfo("registry-a", "bsn")), "ttp/v1\x00registry-a\x00bsn"; got != want {
		t.Fatalf("OPRFInfo = %q, want %q", got, want)
	}
	out := bytes.Repeat([]byte{0xab}, OPRFOutputSize)
	out[0] = 0x01
	p := OPRFPseudonym(12, out)
	v, tag, err := ParsePseudonym(p)
	if err != nil || v != 12 || !bytes.Equal(tag[:], out[:TagSize]) {
		t.Fatalf("OPRFPseudonym = %q; parses as %d %x %v", p, v, tag, err)
	}
	if !strings.HasPrefix(p, "v12.") || len(p) != len("v12.")+tagTextLen {
		t.Fatalf("OPRFPseudonym = %q", p)
	}
	for _, f := range []func(){
		func() { OPRFInfo("a\x00b", "bsn") },
		func() { OPRFInfo("a", "b\x00sn") },
		func() { OPRFPseudonym(1, make([]byte, TagSize-1)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

// Evaluate agrees with circl's own server, its proofs verify in circl's
// client, and finalising gives FullEvaluate's output.
func TestOPRFEvaluateAgreesWithCircl(t *testing.T) {
	r := mustKeyring(t, "registry-a", 1)
	key := mustOPRF(t, r, 1)
	info := key.Info("bsn")
	inputs := [][]byte{[]byte("123456782"), []byte("111222333"), {}, bytes.Repeat([]byte{0}, MaxOPRFInputLen)}
	client := circlClient(t, key.PublicKey())
	fin, blinded := blindAll(t, client, inputs)

	evaluated, proof, err := key.Evaluate(blinded, info)
	if err != nil {
		t.Fatal(err)
	}
	if len(proof) != OPRFProofSize {
		t.Fatalf("proof is %d bytes", len(proof))
	}

	server := oprf.NewPartialObliviousServer(oprf.SuiteRistretto255, key.secret().priv)
	req := &oprf.EvaluationRequest{Elements: circlEvaluation(t, blinded, proof).Elements}
	theirs, err := server.Evaluate(req, info)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range theirs.Elements {
		b, _ := e.MarshalBinaryCompress()
		if !bytes.Equal(b, evaluated[i]) {
			t.Fatalf("element %d: ours %x, circl %x", i, evaluated[i], b)
		}
	}

	outputs, err := client.Finalize(fin, circlEvaluation(t, evaluated, proof), info)
	if err != nil {
		t.Fatal(err)
	}
	for i, out := range outputs {
		full, err := key.FullEvaluate(inputs[i], info)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, full) || len(out) != OPRFOutputSize {
			t.Fatalf("input %d: finalised %x, FullEvaluate %x", i, out, full)
		}
	}
	p, err := key.Pseudonym("bsn", "123456782")
	if err != nil {
		t.Fatal(err)
	}
	if p != OPRFPseudonym(1, outputs[0]) {
		t.Fatalf("Pseudonym = %s, oblivious path gives %s", p, OPRFPseudonym(1, outputs[0]))
	}
	// Same key, same value, another field: unrelated pseudonym.
	if q, _ := key.Pseudonym("patient_number", "123456782"); q == p {
		t.Fatal("the field is not part of the OPRF input")
	}
	// The HMAC pseudonym of the same version key is unrelated too.
	if h := mustPseudonymizer(t, r, 1).Pseudonym("bsn", "123456782"); h == p {
		t.Fatal("OPRF and HMAC pseudonyms coincide")
	}
}

// The oblivious path and the plaintext path give one pseudonym for every
// field of generated persons. The client package repeats this for 10,000
// records with its own client; here circl's client stands in.
func TestOPRFObliviousEqualsPlaintext(t *testing.T) {
	key := mustOPRF(t, mustKeyring(t, "registry-a", 1), 1)
	client := circlClient(t, key.PublicKey())
	gen := synth.New(42)
	today := identity.Date{Year: 2026, Month: 3, Day: 1}
	n := 300
	if testing.Short() {
		n = 50
	}
	fields := []identity.Field{identity.FieldBSN, identity.FieldFamilyName, identity.FieldBirthDate, identity.FieldPostcode}
	values := make(map[identity.Field][][]byte)
	for range n {
		p := gen.Person()
		for i, raw := range []string{p.BSN, p.FamilyName, p.BirthDate, p.Postcode} {
			c, prob := identity.NormalizeValue(fields[i], raw, today)
			if prob != nil && prob.Code.Fatal() {
				continue
			}
			values[fields[i]] = append(values[fields[i]], []byte(c))
		}
	}
	for _, f := range fields {
		info := key.Info(string(f))
		fin, blinded := blindAll(t, client, values[f])
		batches, err := key.EvaluateParallel(blinded, info, 3)
		if err != nil {
			t.Fatal(err)
		}
		var outputs [][]byte
		for _, b := range batches {
			sub := values[f][b.Offset : b.Offset+len(b.Evaluated)]
			subFin, _, err := client.DeterministicBlind(sub, fin.CopyBlinds()[b.Offset:b.Offset+len(b.Evaluated)])
			if err != nil {
				t.Fatal(err)
			}
			out, err := client.Finalize(subFin, circlEvaluation(t, b.Evaluated, b.Proof), info)
			if err != nil {
				t.Fatalf("%s batch at %d: %v", f, b.Offset, err)
			}
			outputs = append(outputs, out...)
		}
		if len(outputs) != len(values[f]) {
			t.Fatalf("%s: %d outputs for %d values", f, len(outputs), len(values[f]))
		}
		for i, v := range values[f] {
			want, err := key.Pseudonym(string(f), string(v))
			if err != nil {
				t.Fatal(err)
			}
			if got := OPRFPseudonym(1, outputs[i]); got != want {
				t.Fatalf("%s value %d: oblivious %s, plaintext %s", f, i, got, want)
			}
		}
	}
}

// A broker holding another domain's (or version's) public key rejects the
// evaluation: the proof is against the key it expects.
func TestOPRFProofBindsKeyAndInfo(t *testing.T) {
	r := mustKeyring(t, "registry-a", 1)
	r.Rotate(testRand(2), testNow)
	key := mustOPRF(t, r, 1)
	inputs := [][]byte{[]byte("123456782"), []byte("1980-02-29")}
	info := key.Info("bsn")
	for name, pub := range map[string][]byte{
		"other domain":  mustOPRF(t, mustKeyring(t, "registry-b", 9), 1).PublicKey(),
		"other version": mustOPRF(t, r, 2).PublicKey(),
	} {
		client := circlClient(t, pub)
		fin, blinded := blindAll(t, client, inputs)
		evaluated, proof, err := key.Evaluate(blinded, info)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.Finalize(fin, circlEvaluation(t, evaluated, proof), info); !errors.Is(err, oprf.ErrInvalidProof) {
			t.Errorf("%s: Finalize: %v, want ErrInvalidProof", name, err)
		}
	}
	// Evaluated under one field's info, finalised as another's: rejected.
	client := circlClient(t, key.PublicKey())
	fin, blinded := blindAll(t, client, inputs)
	evaluated, proof, err := key.Evaluate(blinded, key.Info("postcode"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Finalize(fin, circlEvaluation(t, evaluated, proof), info); !errors.Is(err, oprf.ErrInvalidProof) {
		t.Errorf("other info: Finalize: %v, want ErrInvalidProof", err)
	}
}

func validBlinded(t testing.TB, key *OPRFKey, n int) [][]byte {
	t.Helper()
	inputs := make([][]byte, n)
	for i := range inputs {
		inputs[i] = fmt.Appendf(nil, "value-%d", i)
	}
	_, blinded := blindAll(t, circlClient(t, key.PublicKey()), inputs)
	return blinded
}

func TestOPRFRejectsBadRequests(t *testing.T) {
	key := mustOPRF(t, mustKeyring(t, "registry-a", 1), 1)
	info := key.Info("bsn")
	good := validBlinded(t, key, 3)
	nonCanonical := bytes.Repeat([]byte{0xff}, 32)
	negative := make([]byte, 32)
	negative[0] = 1 // s = 1 is "negative" in ristretto255's sense: not an encoding
	identityElem := make([]byte, 32)

	for _, tc := range []struct {
		name   string
		bad    []byte
		reason string
	}{
		{"identity", identityElem, "identity element"},
		{"malformed", nonCanonical, "malformed encoding"},
		{"negative", negative, "malformed encoding"},
		{"short", good[0][:31], "wrong length"},
		{"long", append(append([]byte{}, good[0]...), 0), "wrong length"},
		{"empty", []byte{}, "wrong length"},
		{"nil", nil, "wrong length"},
	} {
		req := [][]byte{good[0], good[1], tc.bad, good[2]}
		_, _, err := key.Evaluate(req, info)
		var ee *ElementError
		if !errors.As(err, &ee) || !errors.Is(err, ErrInvalidElement) || ee.Index != 2 || ee.Reason != tc.reason {
			t.Errorf("%s: Evaluate error %v, want element 2: %s", tc.name, err, tc.reason)
			continue
		}
		if len(tc.bad) >= 4 && strings.Contains(strings.ToLower(err.Error()), hex.EncodeToString(tc.bad[:4])) {
			t.Errorf("%s: error echoes the element: %v", tc.name, err)
		}
		// The whole-request index survives the split over workers.
		big := make([][]byte, 0, 1000)
		for len(big) < 1000 {
			big = append(big, good...)
		}
		big = big[:1000]
		big[700], big[900] = tc.bad, tc.bad
		if _, err := key.EvaluateParallel(big, info, 4); !errors.As(err, &ee) || ee.Index != 700 {
			t.Errorf("%s: EvaluateParallel error %v, want element 700", tc.name, err)
		}
	}

	tooMany := make([][]byte, MaxEvaluateBatch+1)
	for i := range tooMany {
		tooMany[i] = good[i%len(good)]
	}
	if _, _, err := key.Evaluate(tooMany, info); !errors.Is(err, ErrBatchTooLarge) {
		t.Errorf("Evaluate(%d elements): %v", len(tooMany), err)
	}
	if _, _, err := key.Evaluate(tooMany[:MaxEvaluateBatch], info); err != nil {
		t.Errorf("Evaluate(MaxEvaluateBatch): %v", err)
	}
	if _, err := key.EvaluateParallel(make([][]byte, MaxEvaluateRequest+1), info, 2); !errors.Is(err, ErrBatchTooLarge) {
		t.Errorf("EvaluateParallel(too many): %v", err)
	}
	for _, f := range []func() error{
		func() error { _, _, err := key.Evaluate(nil, info); return err },
		func() error { _, err := key.EvaluateParallel([][]byte{}, info, 2); return err },
	} {
		if err := f(); !errors.Is(err, ErrEmptyBatch) {
			t.Errorf("empty request: %v", err)
		}
	}
	longInfo := make([]byte, MaxOPRFInfoLen+1)
	if _, _, err := key.Evaluate(good, longInfo); !errors.Is(err, ErrInfoTooLong) {
		t.Errorf("long info: %v", err)
	}
	if _, err := key.EvaluateParallel(good, longInfo, 2); !errors.Is(err, ErrInfoTooLong) {
		t.Errorf("long info: %v", err)
	}
	if _, err := key.FullEvaluate([]byte("x"), longInfo); !errors.Is(err, ErrInfoTooLong) {
		t.Errorf("long info: %v", err)
	}
	if _, _, err := key.Evaluate(good, longInfo[:MaxOPRFInfoLen]); err != nil {
		t.Errorf("info of MaxOPRFInfoLen: %v", err)
	}
	if _, err := key.FullEvaluate(make([]byte, MaxOPRFInputLen+1), info); !errors.Is(err, ErrInputTooLong) {
		t.Errorf("long input: %v", err)
	}
	if _, err := key.Pseudonym("bsn", strings.Repeat("1", MaxOPRFInputLen+1)); !errors.Is(err, ErrInputTooLong) {
		t.Errorf("long input: %v", err)
	}
}

func TestSplitBatches(t *testing.T) {
	for _, tc := range []struct{ n, workers, want int }{
		{1, 4, 1}, {63, 4, 1}, {64, 4, 1}, {128, 4, 2}, {1000, 4, 4}, {1000, 1, 1},
		{MaxEvaluateBatch + 1, 1, 2}, {10000, 2, 3}, {MaxEvaluateRequest, 8, 16}, {10000, 64, 64},
	} {
		parts := splitBatches(tc.n, tc.workers)
		if len(parts) != tc.want {
			t.Errorf("splitBatches(%d, %d): %d parts, want %d", tc.n, tc.workers, len(parts), tc.want)
		}
		next := 0
		for _, p := range parts {
			size := p[1] - p[0]
			if p[0] != next || size < 1 || size > MaxEvaluateBatch {
				t.Errorf("splitBatches(%d, %d): bad part %v", tc.n, tc.workers, p)
			}
			next = p[1]
		}
		if next != tc.n {
			t.Errorf("splitBatches(%d, %d) covers %d", tc.n, tc.workers, next)
		}
	}
}

func TestEvaluateParallelMatchesEvaluate(t *testing.T) {
	key := mustOPRF(t, mustKeyring(t, "registry-a", 1), 1)
	info := key.Info("bsn")
	blinded := validBlinded(t, key, 300)
	whole, _, err := key.Evaluate(blinded, info)
	if err != nil {
		t.Fatal(err)
	}
	batches, err := key.EvaluateParallel(blinded, info, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 4 {
		t.Fatalf("%d batches for 300 elements on 4 workers", len(batches))
	}
	tw, _ := key.secret().tweak(info)
	for _, b := range batches {
		for i, e := range b.Evaluated {
			if !bytes.Equal(e, whole[b.Offset+i]) {
				t.Fatalf("element %d differs between Evaluate and EvaluateParallel", b.Offset+i)
			}
		}
		if !verifyBatch(t, tw, blinded[b.Offset:b.Offset+len(b.Evaluated)], b.Evaluated, b.Proof) {
			t.Fatalf("batch at %d: proof does not verify", b.Offset)
		}
	}
}

// verifyBatch checks a proof as a client would, with the tweaked key.
func verifyBatch(t testing.TB, tw *oprfTweak, blinded, evaluated [][]byte, proof []byte) bool {
	t.Helper()
	ev := circlEvaluation(t, evaluated, proof)
	req := circlEvaluation(t, blinded, proof)
	return dleq.Verifier{Params: oprfDLEQParams}.VerifyBatchRFC9497(tw.tG, ev.Elements, req.Elements, ev.Proof)
}

func TestOPRFConcurrentUse(t *testing.T) {
	key := mustOPRF(t, mustKeyring(t, "registry-a", 1), 1)
	blinded := validBlinded(t, key, 8)
	want, _, err := key.Evaluate(blinded, key.Info("bsn"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			field := []string{"bsn", "postcode"}[g%2]
			got, _, err := key.Evaluate(blinded, key.Info(field))
			if err != nil {
				t.Error(err)
				return
			}
			if field == "bsn" && !bytes.Equal(got[0], want[0]) {
				t.Error("concurrent evaluation differs")
			}
			if _, err := key.Pseudonym(field, "123456782"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// The per-info cache stops growing at its bound and keeps working.
func TestOPRFTweakCacheBound(t *testing.T) {
	key := mustOPRF(t, mustKeyring(t, "registry-a", 1), 1)
	for i := range maxCachedTweaks + 10 {
		if _, err := key.FullEvaluate([]byte("x"), fmt.Appendf(nil, "info-%d", i)); err != nil {
			t.Fatal(err)
		}
		if _, err := key.secret().tweak(fmt.Appendf(nil, "info-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	key.secret().tweaks.Range(func(any, any) bool { n++; return true })
	if n != maxCachedTweaks {
		t.Fatalf("cache holds %d infos, want %d", n, maxCachedTweaks)
	}
}

func TestOPRFProofRandomnessFailure(t *testing.T) {
	key := mustOPRF(t, mustKeyring(t, "registry-a", 1), 1)
	key.secret().rand = bytes.NewReader(nil)
	if _, _, err := key.Evaluate(validBlinded(t, key, 1), key.Info("bsn")); err == nil {
		t.Fatal("evaluation without randomness succeeded")
	}
	// All-ones never samples below the group order.
	key.secret().rand = bytes.NewReader(bytes.Repeat([]byte{0xff}, 32*maxRandomAttempts))
	if _, _, err := key.Evaluate(validBlinded(t, key, 1), key.Info("bsn")); err == nil {
		t.Fatal("evaluation with a stuck random source succeeded")
	}
}

func TestOPRFKeyRedacted(t *testing.T) {
	r := mustKeyring(t, "registry-a", 1)
	key := mustOPRF(t, r, 1)
	key.secret().tweak(key.Info("bsn"))
	var out bytes.Buffer
	for _, v := range []any{key, *key, struct{ K *OPRFKey }{key}, struct{ k OPRFKey }{*key}, []any{key}} {
		fmt.Fprintf(&out, "%v %+v %#v %s %q %x %X %d %o %b\n", v, v, v, v, v, v, v, v, v, v)
	}
	for _, h := range []slog.Handler{slog.NewTextHandler(&out, nil), slog.NewJSONHandler(&out, nil)} {
		slog.New(h).Info("oprf", "key", key)
	}
	sk, _ := key.secret().k.MarshalBinary()
	tw, _ := key.secret().tweak(key.Info("bsn"))
	t1, _ := tw.t.MarshalBinary()
	t2, _ := tw.tInv.MarshalBinary()
	for _, secretBytes := range [][]byte{sk, t1, t2, r.snapshot()[0].key.bytes()[:]} {
		for _, enc := range encodings(secretBytes) {
			if strings.Contains(out.String(), enc) {
				t.Fatalf("output contains key material %q:\n%s", enc, out.String())
			}
		}
	}
	if !strings.Contains(out.String(), `keys.OPRFKey(domain="registry-a", v1, key redacted)`) {
		t.Fatalf("unexpected description:\n%s", out.String())
	}
}

// FuzzEvaluate feeds arbitrary element bytes to Evaluate: it must fail with a
// precise error or return evaluations whose proof verifies, never panic; and
// an element is accepted only in its one canonical encoding.
func FuzzEvaluate(f *testing.F) {
	key := mustOPRF(f, mustKeyring(f, "registry-a", 1), 1)
	key.secret().rand = testRand(5)
	info := key.Info("bsn")
	good := validBlinded(f, key, 2)
	f.Add(bytes.Join(good, nil), uint8(32))
	f.Add(good[0], uint8(32))
	f.Add(make([]byte, 32), uint8(32))
	f.Add(bytes.Repeat([]byte{0xff}, 64), uint8(32))
	f.Add(append(good[0], 1), uint8(33))
	f.Add([]byte{}, uint8(0))
	f.Add(bytes.Join(good, nil), uint8(7))
	tw, err := key.secret().tweak(info)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		// Cut data into elements of size bytes (the last may be shorter).
		var req [][]byte
		step := max(int(size), 1)
		for len(data) > 0 && len(req) < 64 {
			n := min(step, len(data))
			req = append(req, data[:n:n])
			data = data[n:]
		}
		evaluated, proof, err := key.Evaluate(req, info)
		if err != nil {
			var ee *ElementError
			switch {
			case len(req) == 0 && errors.Is(err, ErrEmptyBatch):
			case errors.As(err, &ee) && ee.Index >= 0 && ee.Index < len(req):
				if len(req[ee.Index]) == OPRFElementSize && ee.Reason == "wrong length" {
					t.Fatalf("32-byte element rejected for its length")
				}
			default:
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(evaluated) != len(req) {
			t.Fatalf("%d evaluations for %d elements", len(evaluated), len(req))
		}
		for i, b := range req {
			e := oprfGroup.NewElement()
			if err := e.UnmarshalBinary(b); err != nil || e.IsIdentity() {
				t.Fatalf("element %d accepted but does not decode", i)
			}
			again, _ := e.MarshalBinaryCompress()
			if !bytes.Equal(again, b) {
				t.Fatalf("element %d accepted in a non-canonical encoding", i)
			}
		}
		if !verifyBatch(t, tw, req, evaluated, proof) {
			t.Fatal("proof does not verify")
		}
	})
}

// The worked example of docs/oblivious.md, pinned: the OPRF pseudonym
// function is part of the ttp/v1 compatibility promise. It is recomputed
// here with circl alone, straight from the construction in the document.
func TestOPRFDocExample(t *testing.T) {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i)
	}
	const (
		wantPub       = "e0a7f3867d07a8bf0a45a54d8abbffcb6436516f57b36c779a93a1c258261419"
		wantOutput    = "49efeca498a5d8999793b76d7839e87bd585aab6f92552999feb34ac493aff26546f2e526521c592654b542e35e93b027c9f16a4b43feeb235d545e16f8eaaa5"
		wantPseudonym = "v1.jhx6zjeyuxmjtf4tw5wxqopipm"
		wantInfo      = "7474702f76310072656769737472792d610062736e"
	)
	sk, err := oprf.DeriveKey(oprf.SuiteRistretto255, oprf.PartialObliviousMode, seed, []byte("ttp/v1 oprf key"))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := sk.Public().MarshalBinary()
	info := []byte("ttp/v1\x00registry-a\x00bsn")
	out, err := oprf.NewPartialObliviousServer(oprf.SuiteRistretto255, sk).FullEvaluate([]byte("123456782"), info)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(pub) != wantPub || hex.EncodeToString(out) != wantOutput || hex.EncodeToString(info) != wantInfo {
		t.Fatalf("circl: public key %x, output %x", pub, out)
	}

	key, err := newOPRFKey("registry-a", 1, seed, []byte(oprfKeyInfo))
	if err != nil {
		t.Fatal(err)
	}
	p, err := key.Pseudonym("bsn", "123456782")
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(key.PublicKey()) != wantPub || hex.EncodeToString(key.Info("bsn")) != wantInfo || p != wantPseudonym {
		t.Fatalf("keys: public key %x, pseudonym %s", key.PublicKey(), p)
	}
}
