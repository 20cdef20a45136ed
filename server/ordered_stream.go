package server

import (
	"context"
	"errors"
	"io"
	"runtime"
)

// serveOrdered serves a stream of independent requests: it checks each
// request as it arrives, works on several at once (the work of a request
// runs in its own goroutine, so the cores are used while the next request
// is read), and delivers the results in the order the requests came.
//
// check validates a request and returns its work; an error ends the stream
// with that error. deliver audits and sends one result. At most two requests
// per core are in flight, which bounds the server's memory per stream.
func serveOrdered[Req, Res any](ctx context.Context, first Req, recv func() (Req, error),
	check func(Req) (func() (Res, error), error), deliver func(Res) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	type result struct {
		res Res
		err error
	}
	// pending holds one future per request, in arrival order.
	pending := make(chan chan result, 2*runtime.GOMAXPROCS(0))
	go func() {
		defer close(pending)
		req := first
		for {
			work, err := check(req)
			if err != nil {
				cancel(err)
				return
			}
			future := make(chan result, 1)
			select {
			case pending <- future:
			case <-ctx.Done():
				return
			}
			go func() {
				res, err := work()
				future <- result{res, err}
			}()
			if req, err = recv(); err != nil {
				if !errors.Is(err, io.EOF) {
					cancel(err)
				}
				return
			}
		}
	}()
	for future := range pending {
		var r result
		select {
		case r = <-future:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if r.err != nil {
			cancel(r.err)
			return r.err
		}
		if err := deliver(r.res); err != nil {
			return err
		}
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
