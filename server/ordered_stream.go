package server

import (
	"context"
	"errors"
	"io"
	"runtime"

	"google.golang.org/protobuf/proto"
)

// holdFunc waits until n more bytes of the caller's in-flight budget are
// free and takes them (see package limits); release gives them back.
type holdFunc func(ctx context.Context, n int64) (release func(), err error)

// serveOrdered serves a stream of independent requests: it checks each
// request as it arrives, works on several at once (the work of a request
// runs in its own goroutine, so the cores are used while the next request
// is read), and delivers the results in the order the requests came.
//
// check validates a request and returns its work; an error ends the stream
// with that error, after the answers to the requests before it. deliver audits and sends one result. At most two requests
// per core are in flight, which bounds the server's memory per stream; and
// a request holds its size of the caller's in-flight budget (hold) from
// when it is read until its answer is sent, which bounds the memory of all
// the caller's streams together: a stream whose caller has no room left
// waits before it reads on.
func serveOrdered[Req proto.Message, Res any](ctx context.Context, first Req, recv func() (Req, error), hold holdFunc,
	check func(Req) (func() (Res, error), error), deliver func(Res) error) error {
	ctx, cancel := context.WithCancelCause(ctx)

	type result struct {
		res Res
		err error
	}
	type inFlight struct {
		future  chan result
		release func()
	}
	// pending holds one future per request, in arrival order.
	pending := make(chan inFlight, 2*runtime.GOMAXPROCS(0))
	defer func() {
		cancel(nil)
		// What is still pending gives its bytes back once the reader has
		// stopped, which it does when the stream ends.
		go func() {
			for p := range pending {
				p.release()
			}
		}()
	}()
	go func() {
		defer close(pending)
		req := first
		for {
			release, err := hold(ctx, int64(proto.Size(req)))
			if err != nil {
				cancel(err)
				return
			}
			work, err := check(req)
			future := make(chan result, 1)
			if err != nil {
				// The requests before this one are answered first, so that
				// the caller knows which were: the answers it got.
				release()
				future <- result{err: err}
				select {
				case pending <- inFlight{future, func() {}}:
				case <-ctx.Done():
				}
				return
			}
			select {
			case pending <- inFlight{future, release}:
			case <-ctx.Done():
				release()
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
	for p := range pending {
		var r result
		select {
		case r = <-p.future:
		case <-ctx.Done():
			p.release()
			return context.Cause(ctx)
		}
		if r.err != nil {
			p.release()
			cancel(r.err)
			return r.err
		}
		err := deliver(r.res)
		p.release()
		if err != nil {
			return err
		}
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
