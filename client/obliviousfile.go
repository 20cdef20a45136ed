package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/apilimits"
	"github.com/ttpnl/ttp/client/csvfile"
	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/seal"
)

// PrivacyOptions say how CodeFilePrivate protects a file's identifiers and
// pseudonyms beyond what CodeFile does (docs/oblivious.md).
type PrivacyOptions struct {
	// Oblivious codes without sending any value to the TTP: each value is
	// normalised here (identity package, as the server would), blinded,
	// evaluated by the TTP, checked against the domain's public key and
	// finalised here. The domain must be in OPRF mode.
	Oblivious bool
	// PublicKey, if set, pins the domain's OPRF public key: the run fails
	// if the TTP publishes another one.
	PublicKey []byte
	// SealTo, if set, seals every pseudonym to this recipient key before
	// it is written: only the recipient's private key opens the columns.
	SealTo *seal.PublicKey
	// Today is the date birth dates are checked against (zero: today).
	Today identity.Date
}

// CodeFilePrivate is CodeFile with oblivious evaluation, sealing, or both.
// Without either it is CodeFile. Output, report and summary are as
// CodeFile's; with SealTo the pseudonym columns hold sealed values.
func CodeFilePrivate(ctx context.Context, cc grpc.ClientConnInterface, opts FileOptions, p PrivacyOptions, in io.Reader, out io.Writer, rep *Report) (Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	open := func() (coder chunkCoder, err error) {
		if p.Oblivious {
			coder, err = newObliviousCoder(ctx, cc, opts, p)
		} else {
			coder, err = openStreamCoder(ctx, cc, opts)
		}
		if err != nil {
			return nil, err
		}
		if p.SealTo != nil {
			coder = &sealCoder{chunkCoder: coder, pub: p.SealTo, infos: sealInfos(opts.Domain, opts.Mappings)}
		}
		return coder, nil
	}
	return run(ctx, cancel, opts, open, in, out, rep, renameColumns)
}

// FetchRecipientKey asks the TTP for the sealing key registered for a
// recipient. Compare its Fingerprint with the recipient's over a channel of
// its own before trusting it with data.
func FetchRecipientKey(ctx context.Context, cc grpc.ClientConnInterface, name string) (*seal.PublicKey, error) {
	resp, err := ttpv1.NewObliviousServiceClient(cc).GetRecipientKey(ctx, &ttpv1.GetRecipientKeyRequest{Name: name})
	if err != nil {
		return nil, err
	}
	pub, err := seal.ParsePublicKey(resp.GetKey().GetPublicKey())
	if err != nil {
		return nil, fmt.Errorf("the TTP's key for recipient %q: %w", name, err)
	}
	return pub, nil
}

// NewObliviousClientFor fetches a domain version's OPRF public key (0: the
// current version) and returns a client that checks evaluations against it.
func NewObliviousClientFor(ctx context.Context, cc grpc.ClientConnInterface, domain string, version uint32) (*ObliviousClient, error) {
	resp, err := ttpv1.NewObliviousServiceClient(cc).GetPublicKey(ctx, &ttpv1.GetPublicKeyRequest{Domain: domain, KeyVersion: version})
	if err != nil {
		return nil, err
	}
	if version != 0 && resp.KeyVersion != version {
		return nil, fmt.Errorf("asked for the public key of version %d, got version %d", version, resp.KeyVersion)
	}
	if resp.Suite != keys.OPRFSuite {
		return nil, fmt.Errorf("domain %q uses OPRF suite %q; this client speaks %s", domain, resp.Suite, keys.OPRFSuite)
	}
	return NewObliviousClient(resp.PublicKey, keys.Version(resp.KeyVersion))
}

// EvaluateBlinded has the TTP evaluate blinded elements of one field in a
// batch (at most keys.MaxEvaluateBatch) and returns its batches, unchecked;
// ObliviousClient.FinalizeBatches checks them.
func EvaluateBlinded(ctx context.Context, cc grpc.ClientConnInterface, domain, field string, version keys.Version, blinded [][]byte) ([]keys.Batch, error) {
	resp, err := ttpv1.NewObliviousServiceClient(cc).Evaluate(ctx, &ttpv1.EvaluateRequest{Domain: domain, Field: field, KeyVersion: uint32(version), BlindedElements: blinded})
	if err != nil {
		return nil, err
	}
	if resp.KeyVersion != uint32(version) {
		return nil, fmt.Errorf("%w: evaluated under key version %d, want %d", ErrInvalidEvaluation, resp.KeyVersion, version)
	}
	return batchesOf(resp.Batches), nil
}

func batchesOf(bs []*ttpv1.EvaluatedBatch) []keys.Batch {
	out := make([]keys.Batch, len(bs))
	for i, b := range bs {
		out[i] = keys.Batch{Offset: int(b.Offset), Evaluated: b.EvaluatedElements, Proof: b.Proof}
	}
	return out
}

// obliviousCoder codes chunks by blinding: Send normalises and blinds a
// chunk and sends one EvaluateStream message per field (and per
// keys.MaxEvaluateBatch elements); Recv takes the answers, checks the
// proofs and finalises. Only blinded elements are sent.
type obliviousCoder struct {
	stream     ttpv1.ObliviousService_EvaluateStreamClient
	oc         *ObliviousClient
	domain     string
	fields     []identity.Field
	norm       *identity.Normalizer
	infos      [][]byte
	sent       bool
	pending    chan *blindChunk
	closeOnce  sync.Once
	ctx        context.Context
	failed     error // why Send stopped before queueing a chunk
	normalised []string
	problems   []identity.Problem
	elements   int // blinded elements sent on the stream so far
}

// blindChunk is a sent chunk waiting for its answers.
type blindChunk struct {
	coded []*ttpv1.CodedRecord
	parts []blindPart
}

// blindPart is one message: elements of one field of some records.
type blindPart struct {
	field int
	recs  []int // the record of each element
	state *BlindState
}

func newObliviousCoder(ctx context.Context, cc grpc.ClientConnInterface, opts FileOptions, p PrivacyOptions) (*obliviousCoder, error) {
	oc, err := NewObliviousClientFor(ctx, cc, opts.Domain, opts.KeyVersion)
	if err != nil {
		return nil, err
	}
	if p.PublicKey != nil && !bytes.Equal(p.PublicKey, oc.PublicKey()) {
		return nil, fmt.Errorf("the TTP publishes an OPRF key for domain %q that differs from the pinned key", opts.Domain)
	}
	fields := make([]identity.Field, len(opts.Mappings))
	infos := make([][]byte, len(opts.Mappings))
	for i, m := range opts.Mappings {
		fields[i] = m.Field
		infos[i] = keys.OPRFInfo(opts.Domain, string(m.Field))
	}
	today := p.Today
	if today == (identity.Date{}) {
		today = identity.Today()
	}
	norm, err := identity.NewNormalizer(fields, today)
	if err != nil {
		return nil, err
	}
	stream, err := ttpv1.NewObliviousServiceClient(cc).EvaluateStream(ctx)
	if err != nil {
		return nil, err
	}
	return &obliviousCoder{
		ctx: ctx, stream: stream, oc: oc, domain: opts.Domain, fields: fields, norm: norm, infos: infos,
		pending:    make(chan *blindChunk, 4*chunksInFlight),
		normalised: make([]string, len(fields)),
	}, nil
}

// Send blinds and sends a chunk. If it fails before queueing the chunk, it
// closes the queue, so that Recv does not wait for a chunk that never comes.
func (c *obliviousCoder) Send(records []*ttpv1.Record) error {
	ch, msgs, err := c.blind(records)
	if err != nil {
		c.failed = err
		c.closeOnce.Do(func() { close(c.pending) })
		return err
	}
	// Queue the chunk before sending, so Recv knows how many answers are
	// coming; a full queue means the answers are behind and waits.
	select {
	case c.pending <- ch:
	case <-c.ctx.Done():
		return c.ctx.Err()
	}
	for _, m := range msgs {
		if err := c.stream.Send(m); err != nil {
			if errors.Is(err, io.EOF) { // the server ended the stream; Recv has the reason
				return nil
			}
			return err
		}
	}
	return nil
}

// blind normalises a chunk's records and blinds their values, one message
// per field and keys.MaxEvaluateBatch elements.
func (c *obliviousCoder) blind(records []*ttpv1.Record) (*blindChunk, []*ttpv1.EvaluateStreamRequest, error) {
	ch := &blindChunk{coded: make([]*ttpv1.CodedRecord, len(records))}
	values := make([][][]byte, len(c.fields))
	recs := make([][]int, len(c.fields))
	for i, r := range records {
		cr := &ttpv1.CodedRecord{RowKey: r.RowKey}
		ch.coded[i] = cr
		if len(r.Values) != len(c.fields) {
			return nil, nil, fmt.Errorf("record %d has %d values for %d fields", i, len(r.Values), len(c.fields))
		}
		c.problems = c.norm.Normalize(c.problems[:0], r.Values, c.normalised)
		cr.Problems = problemsProto(c.problems)
		if identity.Rejected(c.problems) {
			cr.Rejected = true
			continue
		}
		cr.Pseudonyms = make([]string, len(c.fields))
		for k, v := range c.normalised {
			if v == "" {
				continue
			}
			if len(v) > keys.MaxOPRFInputLen {
				cr.Problems = append(cr.Problems, &ttpv1.Problem{Field: string(c.fields[k]), Message: "The normalised value is too long for an OPRF domain."})
				cr.Rejected, cr.Pseudonyms = true, nil
				break
			}
			values[k] = append(values[k], []byte(v))
			recs[k] = append(recs[k], i)
		}
		if cr.Rejected { // roll back the values of a record rejected half-way
			for k := range values {
				for len(recs[k]) > 0 && recs[k][len(recs[k])-1] == i {
					recs[k], values[k] = recs[k][:len(recs[k])-1], values[k][:len(values[k])-1]
				}
			}
		}
	}
	// The server evaluates at most apilimits.MaxElementsPerStream elements
	// in one stream: stop before sending what it would refuse.
	for k := range values {
		c.elements += len(values[k])
	}
	if c.elements > apilimits.MaxElementsPerStream {
		return nil, nil, fmt.Errorf("the file has more than %d values to code obliviously, the most one run may send; split it into smaller files", apilimits.MaxElementsPerStream)
	}
	// Cut each field's values into messages, blinded on all cores; the
	// server evaluates the messages in parallel too.
	type piece struct{ field, from, to int }
	var pieces []piece
	for k := range c.fields {
		for from := 0; from < len(values[k]); from += blindPieceSize {
			pieces = append(pieces, piece{k, from, min(from+blindPieceSize, len(values[k]))})
		}
	}
	ch.parts = make([]blindPart, len(pieces))
	msgs := make([]*ttpv1.EvaluateStreamRequest, len(pieces))
	err := parallel(len(pieces), func(i int) error {
		p := pieces[i]
		blinded, st, err := c.oc.Blind(values[p.field][p.from:p.to], c.infos[p.field])
		if err != nil {
			return err
		}
		ch.parts[i] = blindPart{field: p.field, recs: recs[p.field][p.from:p.to], state: st}
		msgs[i] = &ttpv1.EvaluateStreamRequest{Field: string(c.fields[p.field]), KeyVersion: uint32(c.oc.Version()), BlindedElements: blinded}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(msgs) > 0 && !c.sent {
		msgs[0].Domain, c.sent = c.domain, true
	}
	return ch, msgs, nil
}

func (c *obliviousCoder) CloseSend() error {
	c.closeOnce.Do(func() { close(c.pending) })
	return c.stream.CloseSend()
}

func (c *obliviousCoder) Recv() (*ttpv1.CodeStreamResponse, error) {
	ch, ok := <-c.pending
	if !ok {
		if c.failed != nil {
			return nil, c.failed
		}
		return nil, errors.New("client: no chunk pending")
	}
	resps := make([]*ttpv1.EvaluateStreamResponse, len(ch.parts))
	for i := range ch.parts {
		resp, err := c.stream.Recv()
		if err != nil {
			return nil, err
		}
		if resp.KeyVersion != uint32(c.oc.Version()) {
			return nil, fmt.Errorf("%w: evaluated under key version %d, want %d", ErrInvalidEvaluation, resp.KeyVersion, c.oc.Version())
		}
		resps[i] = resp
	}
	// Check the proofs and finalise on all cores; each part writes its own
	// records' pseudonyms of its own field.
	err := parallel(len(ch.parts), func(i int) error {
		p := ch.parts[i]
		outputs, err := c.oc.FinalizeBatches(p.state, batchesOf(resps[i].Batches), c.infos[p.field])
		if err != nil {
			return fmt.Errorf("field %s: %w", c.fields[p.field], err)
		}
		for j, out := range outputs {
			ch.coded[p.recs[j]].Pseudonyms[p.field] = c.oc.Pseudonym(out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ttpv1.CodeStreamResponse{KeyVersion: uint32(c.oc.Version()), Records: ch.coded}, nil
}

// blindPieceSize is the most elements the client puts in one message: small
// enough that a chunk's messages spread over the cores on both sides, large
// enough that per-message costs do not count.
const blindPieceSize = 512

// parallel runs fn(0) … fn(n-1) on up to GOMAXPROCS goroutines and returns
// the error of the lowest index that failed.
func parallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return firstError(errs)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// problemsProto converts problems found on this machine to the messages the
// server would have answered, so local and remote answers are handled alike.
func problemsProto(ps []identity.Problem) []*ttpv1.Problem {
	if len(ps) == 0 {
		return nil
	}
	out := make([]*ttpv1.Problem, len(ps))
	for i, p := range ps {
		out[i] = &ttpv1.Problem{Field: string(p.Field), Code: string(p.Code), Message: p.Message}
	}
	return out
}

// sealCoder seals the pseudonyms of another coder's answers.
type sealCoder struct {
	chunkCoder
	pub   *seal.PublicKey
	infos [][]byte
}

func sealInfos(domain string, ms []Mapping) [][]byte {
	out := make([][]byte, len(ms))
	for i, m := range ms {
		out[i] = seal.Info(domain, string(m.Field))
	}
	return out
}

func (s *sealCoder) Recv() (*ttpv1.CodeStreamResponse, error) {
	resp, err := s.chunkCoder.Recv()
	if err != nil {
		return nil, err
	}
	for _, cr := range resp.Records {
		if len(cr.Pseudonyms) > len(s.infos) {
			return nil, fmt.Errorf("server answered %d pseudonyms for %d fields", len(cr.Pseudonyms), len(s.infos))
		}
		for k, p := range cr.Pseudonyms {
			if p == "" {
				continue
			}
			if cr.Pseudonyms[k], err = seal.Seal(s.pub, s.infos[k], []byte(p)); err != nil {
				return nil, err
			}
		}
	}
	return resp, nil
}

// OpenOptions say which columns of a coded file OpenFile opens.
type OpenOptions struct {
	Domain string
	// Mappings name the sealed columns and their fields. A column not in
	// the header is looked for with PseudonymSuffix, so the -map given to
	// ttp code works as it stands.
	Mappings []Mapping
	Comma    rune // 0: detect
}

// OpenFile copies a coded file from in to out with the sealed values of the
// mapped columns opened with priv. Empty cells stay empty. It stops at the
// first value that does not open, naming its row and column (never the
// value): sealed to another key, changed, or moved from another column or
// domain. It returns the number of values opened.
func OpenFile(opts OpenOptions, priv *seal.PrivateKey, in io.Reader, out io.Writer) (int, error) {
	r, err := csvfile.NewReader(in, csvfile.Options{Comma: opts.Comma})
	if err != nil {
		return 0, err
	}
	cols := make([]int, len(opts.Mappings))
	infos := make([][]byte, len(opts.Mappings))
	for i, m := range opts.Mappings {
		c, ok := r.Column(m.Column)
		if !ok {
			if c, ok = r.Column(m.Column + PseudonymSuffix); !ok {
				return 0, csvfile.MissingColumn(m.Column)
			}
		}
		cols[i], infos[i] = c, seal.Info(opts.Domain, string(m.Field))
	}
	w := csvfile.NewWriter(out, r.Comma())
	if err := w.Write(r.Header()); err != nil {
		return 0, err
	}
	n := 0
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, err
		}
		if row.Problem != nil {
			return n, fmt.Errorf("line %d: %s", row.Line, row.Problem)
		}
		for i, c := range cols {
			v := row.Fields[c]
			if v == "" {
				continue
			}
			plain, err := seal.Open(priv, infos[i], v)
			if err != nil {
				return n, fmt.Errorf("line %d, column %s: %w", row.Line, r.Header()[c], err)
			}
			row.Fields[c] = string(plain)
			n++
		}
		if err := w.Write(row.Fields); err != nil {
			return n, err
		}
	}
	return n, w.Flush()
}
