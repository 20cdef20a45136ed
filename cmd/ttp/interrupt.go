package main

import (
	"context"
	"fmt"
	"io"
)

// stoppedBy returns err, unless ctx has ended (Ctrl-C): then an error that
// says so, for what the run itself saw is "context canceled" or a read that
// failed.
func stoppedBy(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	return fmt.Errorf("stopped: %w", context.Cause(ctx))
}

// stopReading returns a reader of r that fails once ctx has ended, so that
// a run that does not watch ctx itself (code -test, open) stops at its next
// read.
func stopReading(ctx context.Context, r io.Reader) io.Reader {
	return contextReader{ctx: ctx, r: r}
}

type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := context.Cause(c.ctx); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
