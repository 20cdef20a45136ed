package pgstore

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ttpnl/ttp/server/store"
)

// dbError is an error from PostgreSQL with only its message and SQLSTATE:
// the server's DETAIL, which for a unique violation quotes the key, is
// left behind, so that no key reaches a log through an error chain.
type dbError struct {
	op, message, code string
}

func (e *dbError) Error() string {
	return fmt.Sprintf("pgstore: %s: %s (SQLSTATE %s)", e.op, e.message, e.code)
}

// SQLState lets callers tell, say, a serialization failure (40001).
func (e *dbError) SQLState() string { return e.code }

// Is makes a unique violation store.ErrExists.
func (e *dbError) Is(target error) bool {
	return target == store.ErrExists && e.code == uniqueViolation
}

// SQLSTATEs that pgstore tells apart.
const (
	uniqueViolation = "23505"
)

// wrap names the operation that failed. PostgreSQL's errors become
// dbErrors; others (context, network) are wrapped as they are.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return &dbError{op: op, message: pg.Message, code: pg.Code}
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}

// corrupt reports a row that cannot be what the store wrote.
func corrupt(what string) error {
	return fmt.Errorf("%w: %s", store.ErrCorrupt, what)
}
