package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/badgerstore"
)

// openIndex opens a person index on a Badger store in dir, as ttpd does
// (the store's encryption key is a fixed one: the data is synthetic).
func openIndex(dir string, model *linkage.Model) (*linkage.Index, store.Store, error) {
	st, err := badgerstore.Open(dir, make([]byte, 32), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, nil, err
	}
	return linkage.Open(st, model), st, nil
}

// register registers a batch of any size, in the index's batches, each
// matched while the one before is written. The results are durable when
// it returns.
func register(ix *linkage.Index, batch []linkage.Encoded) ([]linkage.Result, error) {
	var p linkage.Pipeline
	out, err := registerAsync(ix, batch, &p)
	if ferr := p.Flush(); err == nil {
		err = ferr
	}
	return out, err
}

// registerAsync is register that leaves the last of its batches in p,
// which may not be durable yet: the next call matches its first batch while
// that one is written, as ttpd's RegisterStream does with a stream's chunks.
// The results are durable once p is flushed.
func registerAsync(ix *linkage.Index, batch []linkage.Encoded, p *linkage.Pipeline) ([]linkage.Result, error) {
	var out []linkage.Result
	for lo := 0; lo < len(batch); lo += linkage.MaxBatch {
		res, wait, err := ix.RegisterAsync(context.Background(), batch[lo:min(lo+linkage.MaxBatch, len(batch))], nil)
		if err == nil {
			err = p.Push(wait)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
	}
	return out, nil
}
