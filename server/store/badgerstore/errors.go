package badgerstore

import (
	"errors"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/y"

	"github.com/ttpnl/ttp/server/store"
)

// storageError is a failure of Badger while reading or writing a key. Its
// message says what the store was doing and names Badger's cause only when
// that is one of Badger's own fixed errors: Badger's full message can quote
// the key (Txn.Get wraps every failure with it), and no error of ours
// carries a key or a value. The Badger error stays reachable for errors.Is.
type storageError struct {
	op      string
	cause   error
	corrupt bool
}

func (e *storageError) Error() string {
	if e.corrupt {
		return "badgerstore: " + e.op + ": " + store.ErrCorrupt.Error()
	}
	return "badgerstore: " + e.op + ": " + causeText(e.cause)
}

func (e *storageError) Unwrap() []error {
	if e.corrupt {
		return []error{store.ErrCorrupt, e.cause}
	}
	return []error{e.cause}
}

// fail wraps a Badger error from reading or writing a key; nil stays nil.
func fail(op string, err error) error {
	if err == nil {
		return nil
	}
	return &storageError{op: op, cause: err, corrupt: isCorrupt(err)}
}

// isCorrupt reports whether err is Badger finding data that does not
// match its checksum. Badger wraps most errors as text (y.Wrapf formats
// with %+v, not %w), so errors.Is alone cannot see the cause: its message
// is what identifies it.
func isCorrupt(err error) bool {
	return errors.Is(err, y.ErrChecksumMismatch) ||
		strings.Contains(err.Error(), y.ErrChecksumMismatch.Error()) ||
		strings.Contains(err.Error(), "checksum") && strings.Contains(err.Error(), "mismatch")
}

// badgerErrors are Badger's fixed errors, whose messages quote nothing.
var badgerErrors = []error{
	badger.ErrTxnTooBig, badger.ErrDBClosed, badger.ErrReadOnlyTxn, badger.ErrDiscardedTxn,
	badger.ErrConflict, badger.ErrNoRewrite, badger.ErrBlockedWrites, badger.ErrEncryptionKeyMismatch,
	badger.ErrInvalidDataKeyID, badger.ErrInvalidEncryptionKey, badger.ErrTruncateNeeded,
}

// causeText names err's cause without quoting Badger's message.
func causeText(err error) string {
	for _, known := range badgerErrors {
		if errors.Is(err, known) || strings.Contains(err.Error(), known.Error()) {
			return known.Error()
		}
	}
	return "storage failure (Badger's message is withheld: it may quote a key)"
}

// corrupt reports a stored value that does not decode.
func corrupt(what string) error {
	return &malformedError{what: what}
}

// malformedError is a stored value that does not decode as written.
type malformedError struct{ what string }

func (e *malformedError) Error() string {
	return "badgerstore: malformed " + e.what + ": " + store.ErrCorrupt.Error()
}

func (e *malformedError) Unwrap() error { return store.ErrCorrupt }
