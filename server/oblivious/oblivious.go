// Package oblivious is the business logic of the Oblivious service: check a
// broker's evaluation request and evaluate its blinded elements under the
// domain's OPRF key (RFC 9497 POPRF ristretto255-SHA512, docs/oblivious.md).
// It never sees an identifier: only blinded elements, which are uniformly
// random group elements. Like package coding it knows nothing of gRPC.
package oblivious

import (
	"errors"
	"fmt"
	"sync"

	"github.com/ttpnl/ttp/apilimits"
	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/session"
)

// Limits. A message carries at most MaxElementsPerMessage elements (one
// message is at most 4,096 × 34 bytes on the wire); a stream at most
// MaxElementsPerStream.
const (
	MaxElementsPerMessage = keys.MaxEvaluateBatch
	MaxElementsPerStream  = apilimits.MaxElementsPerStream
)

// Job evaluates for one broker in one domain under one key version. A stream
// makes one Job, so its key version cannot change half-way.
type Job struct {
	Session *session.Session // nil in tests on a bare key
	key     *keys.OPRFKey
	infos   sync.Map // field name → info
	total   int      // elements evaluated so far (streams)
	mu      sync.Mutex
}

// Start starts evaluating in a session opened for evaluation.
func Start(sess *session.Session) (*Job, error) {
	key, err := sess.OPRF()
	if err != nil {
		return nil, err
	}
	return &Job{Session: sess, key: key}, nil
}

// NewJob is a job on a given key, for tests and fuzzing.
func NewJob(key *keys.OPRFKey) *Job { return &Job{key: key} }

// KeyVersion is the version the job evaluates with.
func (j *Job) KeyVersion() uint32 { return uint32(j.key.Version()) }

// PublicKey is the job's OPRF public key.
func (j *Job) PublicKey() []byte { return j.key.PublicKey() }

// Info checks a field name and returns its POPRF info in the job's domain.
func (j *Job) Info(field string) ([]byte, error) {
	if v, ok := j.infos.Load(field); ok {
		return v.([]byte), nil
	}
	if field == "" {
		return nil, apierr.BadField("field", "is required")
	}
	if _, err := identity.ParseField(field); err != nil {
		return nil, apierr.BadField("field", "%v", err)
	}
	info := keys.OPRFInfo(j.key.Domain(), field)
	j.infos.Store(field, info)
	return info, nil
}

// Check rejects a message's elements as a whole, before any work: empty,
// too many, or more than the stream may still take. It does not look at
// the elements' contents; Evaluate does.
func (j *Job) Check(elements [][]byte, stream bool) error {
	switch {
	case len(elements) == 0:
		return apierr.BadField("blinded_elements", "no elements")
	case len(elements) > MaxElementsPerMessage:
		return apierr.BadField("blinded_elements", "%d elements in one message; at most %d", len(elements), MaxElementsPerMessage)
	}
	if stream {
		j.mu.Lock()
		defer j.mu.Unlock()
		if j.total+len(elements) > MaxElementsPerStream {
			return apierr.BadField("blinded_elements", "more than %d elements in one stream; start another", MaxElementsPerStream)
		}
		j.total += len(elements)
	}
	return nil
}

// Evaluate evaluates checked elements under info. With parallel, it cuts
// them into sub-batches over the cores, each with its own proof; otherwise
// one proof covers them all (a stream parallelises over messages instead).
// A bad element gives InvalidArgument naming its index, never its bytes.
func (j *Job) Evaluate(elements [][]byte, info []byte, parallel bool) ([]keys.Batch, error) {
	if parallel {
		batches, err := j.key.EvaluateParallel(elements, info, 0)
		if err != nil {
			return nil, evalError(err)
		}
		return batches, nil
	}
	ev, proof, err := j.key.Evaluate(elements, info)
	if err != nil {
		return nil, evalError(err)
	}
	return []keys.Batch{{Offset: 0, Evaluated: ev, Proof: proof}}, nil
}

// evalError maps the keys package's errors to API errors.
func evalError(err error) error {
	var ee *keys.ElementError
	switch {
	case errors.As(err, &ee):
		return apierr.BadField("blinded_elements", "element %d: %s", ee.Index, ee.Reason)
	case errors.Is(err, keys.ErrEmptyBatch), errors.Is(err, keys.ErrBatchTooLarge), errors.Is(err, keys.ErrInfoTooLong):
		return apierr.BadField("blinded_elements", "%v", err)
	}
	return fmt.Errorf("oblivious: evaluate: %w", err)
}

// AuditRecord describes an evaluation by counts only: elements and the field.
func (j *Job) AuditRecord(action, field string, elements int) audit.Record {
	var rec audit.Record
	if j.Session != nil {
		rec = j.Session.AuditRecord(action)
	}
	rec.Records, rec.Pseudonyms = int64(elements), int64(elements)
	rec.Detail = "field " + field
	return rec
}
