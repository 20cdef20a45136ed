package keys

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"
)

// Oblivious pseudonyms (OPRF mode).
//
// A domain in OPRF mode computes its pseudonyms with the RFC 9497 partially
// oblivious PRF (POPRF), suite ristretto255-SHA512, instead of HMAC. A broker
// blinds the normalised value, the TTP evaluates the blinded element without
// learning the value, and the broker checks the TTP's proof against the
// domain's published public key and finalises. For callers that send the
// value itself the TTP computes the same output with [OPRFKey.FullEvaluate],
// so a domain gives one pseudonym whichever path a value takes.
// docs/oblivious.md is the specification; in short, for domain d, version v,
// field f and normalised value x:
//
//	sk        = DeriveKeyPair(seed = K[d,v], info = "ttp/v1 oprf key")   (RFC 9497 §3.2.1, mode 0x02)
//	info      = "ttp/v1" ‖ 0x00 ‖ d ‖ 0x00 ‖ f
//	output    = POPRF(sk, x, info)                                        64 bytes
//	pseudonym = "v" ‖ decimal(v) ‖ "." ‖ lowercase-unpadded-base32(output[:16])
//
// The OPRF key is derived from the version key, so an OPRF domain needs no
// extra key material and the sealed keyring format is unchanged.
//
// # Batches and proofs
//
// [OPRFKey.Evaluate] evaluates one batch and proves all of it with one
// batched DLEQ proof (RFC 9497 §2.2.1): the proof costs about one extra
// scalar multiplication per element, and its verification about as much, no
// matter how large the batch. A proof is inherently sequential, so a request
// larger than one core can handle quickly is split: [OPRFKey.EvaluateParallel]
// cuts it into contiguous sub-batches, at most one per worker (one per core by
// default), and evaluates and proves each on its own core. The result has one
// proof per sub-batch, with the offset of the first element it covers; a
// client verifies each sub-batch against the same tweaked public key.

const (
	// OPRFSuite is the RFC 9497 ciphersuite of every OPRF domain.
	OPRFSuite = "ristretto255-SHA512"

	// OPRFElementSize is the length of a serialised ristretto255 element:
	// a blinded element, an evaluated element or the public key.
	OPRFElementSize = 32

	// OPRFProofSize is the length of a serialised DLEQ proof: two scalars.
	OPRFProofSize = 64

	// OPRFOutputSize is the length of an RFC 9497 output for the suite:
	// a SHA-512 digest. Pseudonyms keep the first [TagSize] bytes.
	OPRFOutputSize = 64

	// MaxEvaluateBatch is the most elements one proof covers, and so the most
	// [OPRFKey.Evaluate] takes in one call. RFC 9497 numbers the elements of a
	// batch with 16 bits; 4096 keeps a batch's work around a second at worst.
	MaxEvaluateBatch = 4096

	// MaxEvaluateRequest is the most elements [OPRFKey.EvaluateParallel]
	// takes in one call.
	MaxEvaluateRequest = 16 * MaxEvaluateBatch

	// MaxOPRFInfoLen bounds the public info. Ours is "ttp/v1", a domain of at
	// most 255 bytes, a field name and two separators.
	MaxOPRFInfoLen = 512

	// MaxOPRFInputLen bounds a PRF input (a normalised value). RFC 9497
	// allows up to 65535 bytes; canonical values are a few dozen.
	MaxOPRFInputLen = 1024

	// oprfKeyInfo is the DeriveKeyPair info that turns a version key into
	// the version's OPRF private key.
	oprfKeyInfo = "ttp/v1 oprf key"

	// minSubBatch keeps EvaluateParallel from splitting small requests
	// into sub-batches whose fixed proof cost would dominate.
	minSubBatch = 64

	// maxCachedTweaks bounds the per-info cache of an OPRFKey. A domain
	// has a dozen fields, so a dozen infos; the bound only stops a caller
	// that sends arbitrary infos from growing the cache.
	maxCachedTweaks = 256
)

var (
	// ErrInvalidElement is wrapped by every [ElementError].
	ErrInvalidElement = errors.New("keys: invalid OPRF element")

	// ErrEmptyBatch is returned for an evaluation request without elements.
	ErrEmptyBatch = errors.New("keys: OPRF request has no elements")

	// ErrBatchTooLarge is returned for more elements than a call takes.
	ErrBatchTooLarge = errors.New("keys: OPRF request has too many elements")

	// ErrInfoTooLong is returned for public info longer than [MaxOPRFInfoLen].
	ErrInfoTooLong = errors.New("keys: OPRF info too long")

	// ErrInputTooLong is returned for a PRF input longer than [MaxOPRFInputLen].
	ErrInputTooLong = errors.New("keys: OPRF input too long")

	// errZeroTweak is returned when k + H(info) = 0: RFC 9497's
	// InverseError, which happens with probability 2⁻²⁵² per info.
	errZeroTweak = errors.New("keys: OPRF info cannot be used with this key")
)

// An ElementError says which element of a request is unusable and why. It
// never holds the element's bytes.
type ElementError struct {
	Index  int    // position in the request, from 0
	Reason string // "wrong length", "malformed encoding" or "identity element"
}

func (e *ElementError) Error() string {
	return fmt.Sprintf("keys: OPRF element %d: %s", e.Index, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidElement) true.
func (e *ElementError) Unwrap() error { return ErrInvalidElement }

// The RFC 9497 context string is "OPRFV1-" ‖ I2OSP(mode, 1) ‖ "-" ‖ suite,
// and every DST is a label followed by it.
const oprfContext = "OPRFV1-\x02-" + OPRFSuite

var (
	oprfGroup        = group.Ristretto255
	hashToScalarDST  = []byte("HashToScalar-" + oprfContext)
	oprfDLEQParams   = dleq.Params{G: oprfGroup, H: oprf.SuiteRistretto255.Hash(), DST: []byte(oprfContext)}
	errRandomFailure = errors.New("keys: no randomness for the OPRF proof")
)

const maxRandomAttempts = 64

// An OPRFKey evaluates the POPRF of one domain version. It is safe for
// concurrent use. Get one from [Keyring.OPRF] and keep it: deriving it costs a
// scalar multiplication, and it caches per-info values.
type OPRFKey struct {
	domain  string
	version Version
	pub     []byte
	// sec holds everything secret behind two pointers, like [secret], so
	// that fmt never prints it even when an OPRFKey is a field of a struct.
	sec **oprfSecret
}

type oprfSecret struct {
	priv   *oprf.PrivateKey
	k      group.Scalar
	server oprf.PartialObliviousServer
	rand   io.Reader
	randMu sync.Mutex

	tweaks  sync.Map // string(info) → *oprfTweak
	ntweaks atomic.Int32
}

// oprfTweak is RFC 9497's per-info key: t = k + HashToScalar(framed info),
// its inverse (the evaluation scalar) and t·G (the key the proof is against).
type oprfTweak struct {
	t, tInv group.Scalar
	tG      group.Element
}

// OPRF returns the OPRF key of version v, derived from the version's key. It
// fails with [ErrUnknownVersion] if the keyring has no such version.
func (r *Keyring) OPRF(v Version) (*OPRFKey, error) {
	kv, err := r.version(v)
	if err != nil {
		return nil, err
	}
	return newOPRFKey(r.domain, v, kv.key.bytes()[:], []byte(oprfKeyInfo))
}

func newOPRFKey(domain string, v Version, seed, keyInfo []byte) (*OPRFKey, error) {
	priv, err := oprf.DeriveKey(oprf.SuiteRistretto255, oprf.PartialObliviousMode, seed, keyInfo)
	if err != nil {
		return nil, fmt.Errorf("keys: derive OPRF key: %w", err)
	}
	kb, err := priv.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("keys: derive OPRF key: %w", err)
	}
	k := oprfGroup.NewScalar()
	if err := k.UnmarshalBinary(kb); err != nil {
		return nil, fmt.Errorf("keys: derive OPRF key: %w", err)
	}
	clear(kb)
	pub, err := priv.Public().MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("keys: derive OPRF key: %w", err)
	}
	s := &oprfSecret{
		priv:   priv,
		k:      k,
		server: oprf.NewPartialObliviousServer(oprf.SuiteRistretto255, priv),
		rand:   rand.Reader,
	}
	return &OPRFKey{domain: domain, version: v, pub: pub, sec: &s}, nil
}

func (o *OPRFKey) secret() *oprfSecret { return *o.sec }

// Domain returns the domain the key belongs to.
func (o *OPRFKey) Domain() string { return o.domain }

// Version returns the key version.
func (o *OPRFKey) Version() Version { return o.version }

// PublicKey returns the serialised public key (32 bytes, RFC 9497
// SerializeElement), which clients verify every evaluation against. The
// result is a copy.
func (o *OPRFKey) PublicKey() []byte { return append([]byte(nil), o.pub...) }

// Info returns the public info of field in the key's domain, as
// [OPRFInfo] does.
func (o *OPRFKey) Info(field string) []byte { return OPRFInfo(o.domain, field) }

// OPRFInfo returns the POPRF public info of a field in a domain:
// "ttp/v1" ‖ 0x00 ‖ domain ‖ 0x00 ‖ field. Neither name may contain a NUL
// byte (domains are checked when created; field names are constants), so it
// panics if one does.
func OPRFInfo(domain, field string) []byte {
	if strings.IndexByte(domain, 0) >= 0 || strings.IndexByte(field, 0) >= 0 {
		panic("keys: OPRF info name contains a NUL byte")
	}
	info := make([]byte, 0, len(pseudonymLabel)+2+len(domain)+len(field))
	info = append(info, pseudonymLabel...)
	info = append(info, 0)
	info = append(info, domain...)
	info = append(info, 0)
	return append(info, field...)
}

// OPRFPseudonym returns the pseudonym text of a finalised POPRF output under
// version v: "v" ‖ decimal(v) ‖ "." ‖ base32(finalized[:16]), the same shape
// as an HMAC pseudonym, which [ParsePseudonym] accepts. It panics if
// finalized is shorter than [TagSize] bytes; RFC 9497 outputs of the suite
// are [OPRFOutputSize] bytes.
func OPRFPseudonym(v Version, finalized []byte) string {
	if len(finalized) < TagSize {
		panic("keys: OPRF output shorter than a pseudonym tag")
	}
	tag := [TagSize]byte(finalized[:TagSize])
	var buf [40]byte
	return string(appendPseudonymText(buf[:0], v, &tag))
}

// Pseudonym returns the OPRF pseudonym of a normalised value of field, the
// plaintext path: FullEvaluate(normalised, Info(field)) made into text. A
// broker that blinds the same value and finalises the evaluation gets the
// same string.
func (o *OPRFKey) Pseudonym(field, normalised string) (string, error) {
	out, err := o.FullEvaluate([]byte(normalised), o.Info(field))
	if err != nil {
		return "", err
	}
	return OPRFPseudonym(o.version, out), nil
}

// FullEvaluate computes the POPRF output of input under info directly, as
// RFC 9497 §3.3.3 defines it: the value a client gets by blinding input,
// having it evaluated and finalising.
func (o *OPRFKey) FullEvaluate(input, info []byte) ([]byte, error) {
	if len(input) > MaxOPRFInputLen {
		return nil, ErrInputTooLong
	}
	if len(info) > MaxOPRFInfoLen {
		return nil, ErrInfoTooLong
	}
	out, err := o.secret().server.FullEvaluate(input, info)
	if err != nil {
		return nil, fmt.Errorf("keys: OPRF evaluation: %w", err)
	}
	return out, nil
}

// Evaluate evaluates a batch of blinded elements under info and returns the
// evaluated elements, in order, and one DLEQ proof (64 bytes) that covers them
// all. It is RFC 9497 BlindEvaluate for the POPRF.
//
// Every element must be a canonical 32-byte ristretto255 encoding of a
// non-identity element. A bad element fails the whole batch with an
// [*ElementError] naming its index; the batch must have 1 to
// [MaxEvaluateBatch] elements ([ErrEmptyBatch], [ErrBatchTooLarge]) and info
// at most [MaxOPRFInfoLen] bytes ([ErrInfoTooLong]).
func (o *OPRFKey) Evaluate(blinded [][]byte, info []byte) (evaluated [][]byte, proof []byte, err error) {
	if err := checkBatch(len(blinded), MaxEvaluateBatch, info); err != nil {
		return nil, nil, err
	}
	s := o.secret()
	tw, err := s.tweak(info)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.proofNonce()
	if err != nil {
		return nil, nil, err
	}
	return s.evaluate(blinded, 0, tw, r)
}

// A Batch is one proven part of an [OPRFKey.EvaluateParallel] result.
type Batch struct {
	Offset    int      // index in the request of the first element covered
	Evaluated [][]byte // evaluated elements for request[Offset : Offset+len(Evaluated)]
	Proof     []byte   // DLEQ proof over exactly those elements
}

// EvaluateParallel evaluates up to [MaxEvaluateRequest] blinded elements on
// up to workers cores (GOMAXPROCS if workers ≤ 0). It cuts the request into
// contiguous sub-batches of at most [MaxEvaluateBatch] elements, one per
// worker where sizes allow, and returns them in request order, each with its
// own proof. Errors are those of [OPRFKey.Evaluate]; an [*ElementError]
// names the lowest bad index in the whole request.
func (o *OPRFKey) EvaluateParallel(blinded [][]byte, info []byte, workers int) ([]Batch, error) {
	n := len(blinded)
	if err := checkBatch(n, MaxEvaluateRequest, info); err != nil {
		return nil, err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	parts := splitBatches(n, workers)
	s := o.secret()
	tw, err := s.tweak(info)
	if err != nil {
		return nil, err
	}
	// Draw the nonces in order before going parallel: the random source
	// need not be safe for concurrent use, and tests stay deterministic.
	nonces := make([]group.Scalar, len(parts))
	for i := range nonces {
		if nonces[i], err = s.proofNonce(); err != nil {
			return nil, err
		}
	}
	batches := make([]Batch, len(parts))
	errs := make([]error, len(parts))
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ev, proof, err := s.evaluate(blinded[p[0]:p[1]], p[0], tw, nonces[i])
			batches[i] = Batch{Offset: p[0], Evaluated: ev, Proof: proof}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs { // in order, so the lowest bad index wins
		if err != nil {
			return nil, err
		}
	}
	return batches, nil
}

// splitBatches cuts n elements into contiguous [from, to) ranges: as many
// as workers, but none above MaxEvaluateBatch and none below minSubBatch
// unless n itself is smaller; sizes differ by at most one.
func splitBatches(n, workers int) [][2]int {
	k := min(workers, max(1, n/minSubBatch))
	k = max(k, (n+MaxEvaluateBatch-1)/MaxEvaluateBatch)
	parts := make([][2]int, k)
	from := 0
	for i := range parts {
		size := n / k
		if i < n%k {
			size++
		}
		parts[i] = [2]int{from, from + size}
		from += size
	}
	return parts
}

func checkBatch(n, limit int, info []byte) error {
	switch {
	case n == 0:
		return ErrEmptyBatch
	case n > limit:
		return fmt.Errorf("%w: %d, at most %d", ErrBatchTooLarge, n, limit)
	case len(info) > MaxOPRFInfoLen:
		return ErrInfoTooLong
	}
	return nil
}

// evaluate decodes the elements (offset is the index of blinded[0] in the
// request, for errors), multiplies each by the inverse tweak and proves the
// batch with nonce r. blinded must hold 1 to MaxEvaluateBatch elements.
func (s *oprfSecret) evaluate(blinded [][]byte, offset int, tw *oprfTweak, r group.Scalar) ([][]byte, []byte, error) {
	elems, err := decodeElements(blinded, offset)
	if err != nil {
		return nil, nil, err
	}
	evals := make([]group.Element, len(elems))
	for i, e := range elems {
		evals[i] = oprfGroup.NewElement().Mul(e, tw.tInv)
	}
	// RFC 9497 §3.3.3: the proof shows that every blinded element is t
	// times its evaluation, against the tweaked key t·G.
	p, err := dleq.Prover{Params: oprfDLEQParams}.ProveBatchWithRandomnessRFC9497(tw.t, tw.tG, evals, elems, r)
	if err != nil {
		return nil, nil, fmt.Errorf("keys: OPRF proof: %w", err)
	}
	proof, err := p.MarshalBinary()
	if err != nil {
		return nil, nil, fmt.Errorf("keys: OPRF proof: %w", err)
	}
	out := make([][]byte, len(evals))
	buf := make([]byte, 0, len(evals)*OPRFElementSize)
	for i, e := range evals {
		b, err := e.MarshalBinaryCompress()
		if err != nil {
			return nil, nil, fmt.Errorf("keys: OPRF evaluation: %w", err)
		}
		buf = append(buf, b...)
		out[i] = buf[len(buf)-len(b) : len(buf) : len(buf)]
	}
	return out, proof, nil
}

// decodeElements is RFC 9497 DeserializeElement for each element, with the
// identity check that the RFC requires of the server.
func decodeElements(blinded [][]byte, offset int) ([]group.Element, error) {
	elems := make([]group.Element, len(blinded))
	for i, b := range blinded {
		if len(b) != OPRFElementSize {
			return nil, &ElementError{Index: offset + i, Reason: "wrong length"}
		}
		e := oprfGroup.NewElement()
		if e.UnmarshalBinary(b) != nil {
			return nil, &ElementError{Index: offset + i, Reason: "malformed encoding"}
		}
		if e.IsIdentity() {
			return nil, &ElementError{Index: offset + i, Reason: "identity element"}
		}
		elems[i] = e
	}
	return elems, nil
}

// tweak returns the per-info key material, cached for up to
// maxCachedTweaks distinct infos.
func (s *oprfSecret) tweak(info []byte) (*oprfTweak, error) {
	if v, ok := s.tweaks.Load(string(info)); ok {
		return v.(*oprfTweak), nil
	}
	// RFC 9497 §3.3.3: framedInfo = "Info" ‖ I2OSP(len(info), 2) ‖ info,
	// m = HashToScalar(framedInfo), t = skS + m.
	framed := make([]byte, 0, 4+2+len(info))
	framed = append(framed, "Info"...)
	framed = binary.BigEndian.AppendUint16(framed, uint16(len(info)))
	framed = append(framed, info...)
	m := oprfGroup.HashToScalar(framed, hashToScalarDST)
	t := oprfGroup.NewScalar().Add(m, s.k)
	if t.IsZero() {
		return nil, errZeroTweak
	}
	tw := &oprfTweak{
		t:    t,
		tInv: oprfGroup.NewScalar().Inv(t),
		tG:   oprfGroup.NewElement().MulGen(t),
	}
	if s.ntweaks.Add(1) <= maxCachedTweaks {
		if v, loaded := s.tweaks.LoadOrStore(string(info), tw); loaded {
			s.ntweaks.Add(-1)
			return v.(*oprfTweak), nil
		}
	}
	return tw, nil
}

// proofNonce draws the DLEQ proof's random scalar from s.rand by rejection
// sampling: 32 bytes, little endian, the top three bits cleared, accepted if
// below the group order and not zero (about half the draws are).
func (s *oprfSecret) proofNonce() (group.Scalar, error) {
	s.randMu.Lock()
	defer s.randMu.Unlock()
	var b [32]byte
	r := oprfGroup.NewScalar()
	for range maxRandomAttempts {
		if _, err := io.ReadFull(s.rand, b[:]); err != nil {
			return nil, fmt.Errorf("%w: %w", errRandomFailure, err)
		}
		b[31] &= 0x1f
		if r.UnmarshalBinary(b[:]) == nil && !r.IsZero() {
			clear(b[:])
			return r, nil
		}
	}
	return nil, errRandomFailure
}

// String returns a description without key material.
func (o *OPRFKey) String() string {
	return fmt.Sprintf("keys.OPRFKey(domain=%q, v%d, key redacted)", o.domain, o.version)
}

// GoString returns a description without key material.
func (o *OPRFKey) GoString() string { return o.String() }

// Format writes a description without key material for every verb.
func (o *OPRFKey) Format(f fmt.State, verb rune) { io.WriteString(f, o.String()) }

// LogValue describes the key for log/slog without key material.
func (o *OPRFKey) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("domain", o.domain),
		slog.Uint64("version", uint64(o.version)),
	)
}
