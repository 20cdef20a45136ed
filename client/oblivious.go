package client

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"

	"github.com/ttpnl/ttp/keys"
)

// Oblivious pseudonymisation, the broker's side (RFC 9497 POPRF,
// ristretto255-SHA512; docs/oblivious.md). The broker normalises each value
// locally with the identity package, exactly as the server would, then:
//
//	blinded, state, err := c.Blind(values, keys.OPRFInfo(domain, field))
//	// send blinded to the TTP, receive evaluated elements and proof(s)
//	outputs, err := c.Finalize(state, evaluated, proof, info)
//	pseudonym := c.Pseudonym(outputs[i])
//
// The TTP sees only blinded elements, which are uniformly random group
// elements independent of the values. Finalize checks the TTP's proof against
// the domain's published public key, so a TTP that evaluated with any other
// key (another domain's, another version's, a made-up one) or under another
// field's info is caught rather than silently producing wrong pseudonyms.

var (
	// ErrProofInvalid means the TTP's evaluation does not verify against the
	// public key and info the client holds: it was made with another key or
	// for another field, or it was altered on the way.
	ErrProofInvalid = errors.New("client: OPRF proof does not verify against the domain's public key; evaluation rejected")

	// ErrInvalidEvaluation is wrapped by errors about the shape of an
	// evaluation: element count, malformed elements or proof.
	ErrInvalidEvaluation = errors.New("client: invalid OPRF evaluation")

	// ErrInvalidPublicKey is returned for a public key that is not a
	// canonical, non-identity ristretto255 element.
	ErrInvalidPublicKey = errors.New("client: invalid OPRF public key")
)

// An ObliviousClient blinds values for, and finalises evaluations from, one
// OPRF domain version. It is safe for concurrent use.
type ObliviousClient struct {
	version keys.Version
	pub     []byte
	c       oprf.PartialObliviousClient
}

// NewObliviousClient returns a client for the domain version whose
// serialised public key (as published by the TTP, 32 bytes) is publicKey.
func NewObliviousClient(publicKey []byte, version keys.Version) (*ObliviousClient, error) {
	if version == 0 {
		return nil, errors.New("client: OPRF key version 0")
	}
	pk := new(oprf.PublicKey)
	if len(publicKey) != keys.OPRFElementSize || pk.UnmarshalBinary(oprf.SuiteRistretto255, publicKey) != nil {
		return nil, ErrInvalidPublicKey
	}
	return &ObliviousClient{
		version: version,
		pub:     bytes.Clone(publicKey),
		c:       oprf.NewPartialObliviousClient(oprf.SuiteRistretto255, pk),
	}, nil
}

// Version returns the key version the client's pseudonyms carry.
func (c *ObliviousClient) Version() keys.Version { return c.version }

// PublicKey returns a copy of the public key evaluations are checked against.
func (c *ObliviousClient) PublicKey() []byte { return bytes.Clone(c.pub) }

// A BlindState is what a client keeps between Blind and Finalize: the
// inputs and their blinding scalars. It is secret (the blinds unblind the
// TTP's answers) and must not be reused for another evaluation.
type BlindState struct {
	inputs [][]byte
	blinds []oprf.Blind
	info   []byte
	fin    *oprf.FinalizeData
	c      oprf.PartialObliviousClient
}

// Len returns the number of inputs blinded.
func (s *BlindState) Len() int { return len(s.inputs) }

// Sub returns the state of inputs [from, to), for finalising one
// sub-batch of a split evaluation (see [keys.OPRFKey.EvaluateParallel]). It
// recomputes the sub-batch's blinded elements from the same blinds.
func (s *BlindState) Sub(from, to int) (*BlindState, error) {
	if from < 0 || to > len(s.inputs) || from >= to {
		return nil, fmt.Errorf("%w: sub-batch [%d, %d) of %d inputs", ErrInvalidEvaluation, from, to, len(s.inputs))
	}
	if from == 0 && to == len(s.inputs) {
		return s, nil
	}
	fin, _, err := s.c.DeterministicBlind(s.inputs[from:to:to], s.blinds[from:to:to])
	if err != nil {
		return nil, fmt.Errorf("client: OPRF blind: %w", err)
	}
	return &BlindState{inputs: s.inputs[from:to:to], blinds: s.blinds[from:to:to], info: s.info, fin: fin, c: s.c}, nil
}

// String describes the state without its inputs or blinds.
func (s *BlindState) String() string {
	return fmt.Sprintf("client.BlindState(%d inputs, redacted)", len(s.inputs))
}

// Format writes the description of String for every verb.
func (s *BlindState) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// Blind blinds inputs (normalised values of one field) for evaluation under
// info ([keys.OPRFInfo] of the domain and field) with fresh random blinds.
// It returns the serialised blinded elements, in order, to send to the TTP,
// and the state Finalize needs.
func (c *ObliviousClient) Blind(inputs [][]byte, info []byte) ([][]byte, *BlindState, error) {
	switch {
	case len(inputs) == 0:
		return nil, nil, keys.ErrEmptyBatch
	case len(inputs) > keys.MaxEvaluateRequest:
		return nil, nil, keys.ErrBatchTooLarge
	case len(info) > keys.MaxOPRFInfoLen:
		return nil, nil, keys.ErrInfoTooLong
	}
	// Copy the inputs: they enter the final hash, so a caller reusing its
	// buffers must not change them under the state.
	own := make([][]byte, len(inputs))
	for i, in := range inputs {
		if len(in) > keys.MaxOPRFInputLen {
			return nil, nil, fmt.Errorf("%w: input %d", keys.ErrInputTooLong, i)
		}
		own[i] = bytes.Clone(in)
		if own[i] == nil {
			own[i] = []byte{}
		}
	}
	fin, req, err := c.c.Blind(own)
	if err != nil {
		return nil, nil, fmt.Errorf("client: OPRF blind: %w", err)
	}
	blinded := make([][]byte, len(req.Elements))
	for i, e := range req.Elements {
		if blinded[i], err = e.MarshalBinaryCompress(); err != nil {
			return nil, nil, fmt.Errorf("client: OPRF blind: %w", err)
		}
	}
	st := &BlindState{inputs: own, blinds: fin.CopyBlinds(), info: bytes.Clone(info), fin: fin, c: c.c}
	return blinded, st, nil
}

// Finalize checks the TTP's evaluation of a whole blinded batch against the
// public key and info and returns the PRF outputs (64 bytes each) in input
// order. A proof that does not verify gives [ErrProofInvalid]; malformed
// evaluations give errors wrapping [ErrInvalidEvaluation]. info must be the
// info the state was blinded for.
func (c *ObliviousClient) Finalize(st *BlindState, evaluated [][]byte, proof []byte, info []byte) ([][]byte, error) {
	if st == nil || st.fin == nil {
		return nil, fmt.Errorf("%w: no blind state", ErrInvalidEvaluation)
	}
	if !bytes.Equal(info, st.info) {
		return nil, fmt.Errorf("%w: info differs from the info the inputs were blinded for", ErrInvalidEvaluation)
	}
	if len(evaluated) != len(st.inputs) {
		return nil, fmt.Errorf("%w: %d evaluated elements for %d inputs", ErrInvalidEvaluation, len(evaluated), len(st.inputs))
	}
	ev := &oprf.Evaluation{Elements: make([]oprf.Evaluated, len(evaluated)), Proof: new(dleq.Proof)}
	g := oprf.SuiteRistretto255.Group()
	for i, b := range evaluated {
		e := g.NewElement()
		if len(b) != keys.OPRFElementSize || e.UnmarshalBinary(b) != nil {
			return nil, fmt.Errorf("%w: evaluated element %d is malformed", ErrInvalidEvaluation, i)
		}
		if e.IsIdentity() {
			return nil, fmt.Errorf("%w: evaluated element %d is the identity", ErrInvalidEvaluation, i)
		}
		ev.Elements[i] = e
	}
	if len(proof) != keys.OPRFProofSize || ev.Proof.UnmarshalBinary(g, proof) != nil {
		return nil, fmt.Errorf("%w: malformed proof", ErrInvalidEvaluation)
	}
	outputs, err := c.c.Finalize(st.fin, ev, info)
	switch {
	case errors.Is(err, oprf.ErrInvalidProof):
		return nil, ErrProofInvalid
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrInvalidEvaluation, err)
	}
	return outputs, nil
}

// FinalizeBatches finalises an evaluation split into sub-batches, each with
// its own proof, as [keys.OPRFKey.EvaluateParallel] returns it. The batches
// must cover the state's inputs exactly, in order.
func (c *ObliviousClient) FinalizeBatches(st *BlindState, batches []keys.Batch, info []byte) ([][]byte, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: no blind state", ErrInvalidEvaluation)
	}
	outputs := make([][]byte, 0, st.Len())
	for i, b := range batches {
		if b.Offset != len(outputs) {
			return nil, fmt.Errorf("%w: batch %d starts at %d, want %d", ErrInvalidEvaluation, i, b.Offset, len(outputs))
		}
		sub, err := st.Sub(b.Offset, b.Offset+len(b.Evaluated))
		if err != nil {
			return nil, err
		}
		out, err := c.Finalize(sub, b.Evaluated, b.Proof, info)
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", i, err)
		}
		outputs = append(outputs, out...)
	}
	if len(outputs) != st.Len() {
		return nil, fmt.Errorf("%w: batches cover %d of %d inputs", ErrInvalidEvaluation, len(outputs), st.Len())
	}
	return outputs, nil
}

// Pseudonym returns the pseudonym text of a finalised output under the
// client's key version, identical to what the TTP's plaintext path returns.
func (c *ObliviousClient) Pseudonym(output []byte) string {
	return keys.OPRFPseudonym(c.version, output)
}
