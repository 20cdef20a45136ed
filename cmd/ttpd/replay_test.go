package main

import (
	"context"
	"testing"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/store"
)

// committedBatch is a registration batch as the audit log records it.
type committedBatch struct {
	seq       uint64
	principal string
	records   int64 // rows in the chunk, rejected ones included
}

// committedBatches are the RegisterStream batches that the audit log
// records after sequence number after, in the order they committed. It is
// the order in which they held the person-index lock: a batch's audit
// record is appended in its registration transaction, which holds the
// index lock from before it reads candidates until it commits.
func committedBatches(t *testing.T, st store.Store, after uint64) []committedBatch {
	t.Helper()
	var out []committedBatch
	err := audit.Each(context.Background(), st, func(rec audit.Record, _ []byte) error {
		if rec.Seq > after && rec.Action == "RegisterStream" {
			out = append(out, committedBatch{seq: rec.Seq, principal: rec.Principal, records: rec.Records})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// lastSeq is the sequence number of the audit log's last record.
func lastSeq(t *testing.T, st store.Store) uint64 {
	t.Helper()
	var last store.AuditEntry
	err := st.View(context.Background(), func(tx store.Tx) error {
		var err error
		last, err = tx.Audit().Last()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return last.Seq
}

// replayOrder maps committed batches to the chunks they registered: each
// principal's batches are its chunks, in the order it sent them
// (sent[principal]). Every batch must match its chunk's size, and every
// chunk must have been committed.
func replayOrder(t *testing.T, batches []committedBatch, sent map[string][][]*ttpv1.Record) [][]*ttpv1.Record {
	t.Helper()
	next := map[string]int{}
	var order [][]*ttpv1.Record
	for _, b := range batches {
		chunks := sent[b.principal]
		i := next[b.principal]
		if i >= len(chunks) {
			t.Fatalf("audit record %d: batch %d of %s, which sent %d chunks", b.seq, i+1, b.principal, len(chunks))
		}
		if int64(len(chunks[i])) != b.records {
			t.Fatalf("audit record %d: %s's batch %d has %d rows, its chunk %d", b.seq, b.principal, i+1, b.records, len(chunks[i]))
		}
		order = append(order, chunks[i])
		next[b.principal]++
	}
	for p, chunks := range sent {
		if next[p] != len(chunks) {
			t.Fatalf("%s sent %d chunks; the audit log holds %d of its batches", p, len(chunks), next[p])
		}
	}
	return order
}

// interleavings counts how often consecutive batches are of different
// principals.
func interleavings(batches []committedBatch) int {
	n := 0
	for i := 1; i < len(batches); i++ {
		if batches[i].principal != batches[i-1].principal {
			n++
		}
	}
	return n
}
