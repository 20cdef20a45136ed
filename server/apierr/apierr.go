// Package apierr is the one error type that the server's business logic
// returns. It says what kind of failure happened; the server maps each kind to
// a gRPC code in one place (server/errors.go), so packages below the gRPC
// layer never import gRPC.
//
// Messages are shown to callers. They must never contain an identifier, a
// record value or key material: name the field, the row, the code instead.
package apierr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies a failure.
type Kind int

const (
	// Internal is a failure of the server itself; its message is not shown.
	Internal Kind = iota
	// InvalidArgument: the request is malformed.
	InvalidArgument
	// NotFound: a named thing does not exist.
	NotFound
	// AlreadyExists: a thing to create exists already.
	AlreadyExists
	// PermissionDenied: the caller is known but not allowed.
	PermissionDenied
	// Unauthenticated: the caller could not be identified.
	Unauthenticated
	// FailedPrecondition: the system is not in a state that allows the call.
	FailedPrecondition
	// ResourceExhausted: a quota or size limit was hit.
	ResourceExhausted
)

var kindNames = [...]string{"internal", "invalid argument", "not found", "already exists",
	"permission denied", "unauthenticated", "failed precondition", "resource exhausted"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// FieldViolation names one bad field of a request.
type FieldViolation struct {
	Field       string
	Description string
}

// Error is a failure of a given kind.
type Error struct {
	Kind       Kind
	Message    string
	Violations []FieldViolation
	// Reason, when set, names the cause in a fixed form a program can test
	// (e.g. quota.Reason); it goes to the caller as errdetails.ErrorInfo.
	Reason string
	// RetryAfter, when set, is how long the caller should wait before it
	// tries again; it goes to the caller as errdetails.RetryInfo.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Kind.String() + ": " + e.Message }

// New returns an error of the given kind.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// BadField returns an InvalidArgument error about one field of the request.
func BadField(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Kind: InvalidArgument, Message: field + ": " + msg,
		Violations: []FieldViolation{{Field: field, Description: msg}}}
}

// KindOf returns the kind of err, Internal for errors of other types.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}
