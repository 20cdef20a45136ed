package client

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/synth"
)

// The interop test drives @cloudflare/voprf-ts, an independent RFC 9497
// implementation in TypeScript, as the broker: it blinds 50 values, our Go
// key evaluates them, voprf-ts verifies the proof and finalises, and the
// outputs must equal both the TTP's plaintext path (FullEvaluate) and the Go
// client's. It needs Node.js 20+ on PATH and installs the pinned package
// from interop/voprf/package-lock.json with `npm ci` on first use:
//
//	go test ./client/ -run Interop -v
const interopDir = "../interop/voprf"

func voprfTS(t *testing.T, req any, resp any) error {
	t.Helper()
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "voprf.mjs")
	cmd.Dir = interopDir
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return &nodeError{err: err, stderr: stderr.String()}
	}
	if err := json.Unmarshal(stdout.Bytes(), resp); err != nil {
		t.Fatalf("voprf.mjs answered %q: %v", stdout.String(), err)
	}
	return nil
}

type nodeError struct {
	err    error
	stderr string
}

func (e *nodeError) Error() string { return e.err.Error() + ": " + e.stderr }

// ensureVoprfTS skips without Node.js and runs npm ci if the package is
// not installed yet.
func ensureVoprfTS(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH: the voprf-ts interop test needs Node.js 20 or later")
	}
	if _, err := os.Stat(filepath.Join(interopDir, "node_modules", "@cloudflare", "voprf-ts", "package.json")); err == nil {
		return
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not on PATH: cannot install interop/voprf's dependencies")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = interopDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in interop/voprf: %v\n%s", err, out)
	}
}

func hexAll(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = hex.EncodeToString(b)
	}
	return out
}

func TestInteropVoprfTS(t *testing.T) {
	ensureVoprfTS(t)
	key := testOPRFKey(t, "registry-a", 1)
	info := keys.OPRFInfo(key.Domain(), string(identity.FieldBSN))
	gen := synth.New(9497)
	today := identity.Date{Year: 2026, Month: 3, Day: 1}
	inputs := make([][]byte, 50)
	for i := range inputs {
		v, prob := identity.NormalizeValue(identity.FieldBSN, gen.Person().BSN, today)
		if prob != nil && prob.Code.Fatal() {
			t.Fatal(prob.Code)
		}
		inputs[i] = []byte(v)
	}

	// voprf-ts blinds.
	var blind struct {
		Blinded []string `json:"blinded"`
		State   string   `json:"state"`
	}
	pk := hex.EncodeToString(key.PublicKey())
	if err := voprfTS(t, map[string]any{"mode": "blind", "publicKey": pk, "inputs": hexAll(inputs), "info": hex.EncodeToString(info)}, &blind); err != nil {
		t.Fatal(err)
	}
	blinded := make([][]byte, len(blind.Blinded))
	for i, s := range blind.Blinded {
		var err error
		if blinded[i], err = hex.DecodeString(s); err != nil {
			t.Fatal(err)
		}
	}

	// Our key evaluates.
	evaluated, proof, err := key.Evaluate(blinded, info)
	if err != nil {
		t.Fatal(err)
	}

	// voprf-ts verifies and finalises.
	var fin struct {
		Outputs []string `json:"outputs"`
	}
	finReq := map[string]any{"mode": "finalize", "publicKey": pk, "state": blind.State,
		"evaluated": hexAll(evaluated), "proof": hex.EncodeToString(proof), "info": hex.EncodeToString(info)}
	if err := voprfTS(t, finReq, &fin); err != nil {
		t.Fatal(err)
	}
	if len(fin.Outputs) != len(inputs) {
		t.Fatalf("voprf-ts returned %d outputs for %d inputs", len(fin.Outputs), len(inputs))
	}

	// The Go client, with its own blinds.
	c := testObliviousClient(t, key)
	goBlinded, st, err := c.Blind(inputs, info)
	if err != nil {
		t.Fatal(err)
	}
	goEvaluated, goProof, err := key.Evaluate(goBlinded, info)
	if err != nil {
		t.Fatal(err)
	}
	goOutputs, err := c.Finalize(st, goEvaluated, goProof, info)
	if err != nil {
		t.Fatal(err)
	}

	for i, in := range inputs {
		full, err := key.FullEvaluate(in, info)
		if err != nil {
			t.Fatal(err)
		}
		if fin.Outputs[i] != hex.EncodeToString(full) || !bytes.Equal(goOutputs[i], full) {
			t.Fatalf("input %d: voprf-ts %s, Go client %x, FullEvaluate %x", i, fin.Outputs[i], goOutputs[i], full)
		}
		ts, _ := hex.DecodeString(fin.Outputs[i])
		want, _ := key.Pseudonym(string(identity.FieldBSN), string(in))
		if keys.OPRFPseudonym(key.Version(), ts) != want || c.Pseudonym(goOutputs[i]) != want {
			t.Fatalf("input %d: pseudonyms differ", i)
		}
	}

	// voprf-ts rejects an evaluation by another domain's key, and one made
	// under another field's info.
	other := testOPRFKey(t, "registry-b", 2)
	for name, eval := range map[string]func() ([][]byte, []byte, error){
		"other key": func() ([][]byte, []byte, error) { return other.Evaluate(blinded, info) },
		"other info": func() ([][]byte, []byte, error) {
			return key.Evaluate(blinded, keys.OPRFInfo("registry-a", "postcode"))
		},
	} {
		ev, pr, err := eval()
		if err != nil {
			t.Fatal(err)
		}
		finReq["evaluated"], finReq["proof"] = hexAll(ev), hex.EncodeToString(pr)
		if err := voprfTS(t, finReq, &fin); err == nil {
			t.Errorf("%s: voprf-ts accepted the evaluation", name)
		} else {
			t.Logf("%s: voprf-ts refused: %v", name, err)
		}
	}
}
