// Package apilimits holds the limits of the ttp API: the server refuses a
// request beyond them, and the client checks them before it sends. Both
// take them from here, so the client's test mode refuses exactly what a
// real run would, and a limit changed in one place changes in both.
package apilimits

// Limits on one request. They keep a single call from holding the server.
const (
	// MaxRecordsPerMessage is the most records in one stream message
	// (ttp code -chunk).
	MaxRecordsPerMessage = 10_000
	// MaxRecordsPerCall is the most records in one unary call.
	MaxRecordsPerCall = 1_000
	// MaxValueBytes is the longest identifying value, as sent (before
	// normalisation).
	MaxValueBytes = 1_024
	// MaxRowKeyBytes is the longest row key.
	MaxRowKeyBytes = 256
	// MaxElementsPerStream is the most blinded elements (values of every
	// field together) one oblivious coding stream may evaluate.
	MaxElementsPerStream = 1 << 24
)
