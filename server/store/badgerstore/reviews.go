package badgerstore

import (
	"encoding/binary"

	"github.com/ttpnl/ttp/server/store"
)

// A review item is stored under reviewPrefix + record as
//
//	candidate (8) | score × 1000 (8, two's complement) | pattern
const reviewHeaderLen = 16

func encodeReview(r store.ReviewItem) []byte {
	b := make([]byte, 0, reviewHeaderLen+len(r.Pattern))
	b = binary.BigEndian.AppendUint64(b, r.Candidate)
	b = binary.BigEndian.AppendUint64(b, uint64(r.ScoreMilli))
	return append(b, r.Pattern...)
}

func decodeReview(record uint64, b []byte) (store.ReviewItem, error) {
	if len(b) < reviewHeaderLen {
		return store.ReviewItem{}, corrupt("review item")
	}
	return store.ReviewItem{Record: record, Candidate: binary.BigEndian.Uint64(b),
		ScoreMilli: int64(binary.BigEndian.Uint64(b[8:])), Pattern: cloneBytes(b[reviewHeaderLen:])}, nil
}

func (ix index) PutReview(r store.ReviewItem) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	return ix.t.set("write review item", numKey(reviewPrefix, r.Record), encodeReview(r))
}

func (ix index) Review(record uint64) (store.ReviewItem, error) {
	var r store.ReviewItem
	found, err := ix.t.get("read review item", numKey(reviewPrefix, record), func(v []byte) (err error) {
		r, err = decodeReview(record, v)
		return err
	})
	if err == nil && !found {
		err = store.ErrNotFound
	}
	return r, err
}

func (ix index) DeleteReview(record uint64) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	return ix.t.del("delete review item", numKey(reviewPrefix, record))
}

func (ix index) Reviews(after uint64, limit int) ([]store.ReviewItem, error) {
	if limit <= 0 || after == 1<<64-1 {
		return nil, nil
	}
	var out []store.ReviewItem
	start := binary.BigEndian.AppendUint64(nil, after+1)
	err := ix.t.scan("list review items", reviewPrefix, start, false, func(k, v []byte) error {
		if len(k) != 8 {
			return corrupt("review item key")
		}
		r, err := decodeReview(binary.BigEndian.Uint64(k), v)
		if err != nil {
			return err
		}
		out = append(out, r)
		if len(out) == limit {
			return errStop
		}
		return nil
	})
	return out, err
}
