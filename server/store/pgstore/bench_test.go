package pgstore_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/pgtest"
)

var (
	benchIndex   = flag.Int("pgstore.index", 1_000_000, "records in the person index before BenchmarkRegisterBatch measures")
	benchBatch   = flag.Int("pgstore.batch", 1000, "records per registration batch in BenchmarkRegisterBatch")
	benchUniform = flag.Bool("pgstore.uniform", false, "BenchmarkRegisterBatch: draw a shared block key uniformly from the distinct keys, not as often as records have it")
	benchBuffers = flag.String("pgstore.shared_buffers", "2GB", "BenchmarkRegisterBatch: the cluster's shared_buffers")
)

// Shape of the benchmark's records, as registration makes them.
const (
	benchBlocks   = 7   // blocking keys per record
	benchFeatures = 200 // bytes of keyed encodings per record
	benchShared   = 0.6 // share of block keys that earlier records have too
	benchPerBlock = 64  // linkage.MaxBlock
)

// BenchmarkRegisterBatch measures the person index's part of registration:
// per batch, one transaction with Lock, BySource, BlockMembers of the
// batch's block keys, Records of their members, ReserveIDs, Add, and one
// audit Last and Append; "persons" also records a new person per record,
// as registration does for a record that links to nobody. The index is
// first filled to -pgstore.index records (1,000,000) and analysed, as
// autovacuum would have done by then, on a cluster of its own with
// shared_buffers as a server of this size would have. Besides records/s
// it reports the time of each step, and the processor time of PostgreSQL
// and of this process per batch, which tell what bounds it. Run:
//
//	go test -run '^$' -bench RegisterBatch -benchtime 40x ./server/store/pgstore
func BenchmarkRegisterBatch(b *testing.B) {
	cluster := pgtest.Start(b, "shared_buffers = '"+*benchBuffers+"'")
	url := cluster.URL(b)
	s := open(b, url)
	w := newWorkload()
	start := time.Now()
	for filled := 0; filled < *benchIndex; {
		n := min(10_000, *benchIndex-filled)
		recs := w.records(n)
		if err := s.Update(ctx, func(tx store.Tx) error {
			first, err := tx.Index().ReserveIDs(n)
			if err != nil {
				return err
			}
			for i := range recs {
				recs[i].ID = first + uint64(i)
			}
			return tx.Index().Add(recs)
		}); err != nil {
			b.Fatal(err)
		}
		w.stored(recs)
		filled += n
	}
	fill := time.Since(start)
	start = time.Now()
	conn := connect(b, url)
	// Statistics and the visibility map as autovacuum would have them by
	// now, and the filling's dirty pages written out, so that the batches
	// measured pay only for their own.
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CHECKPOINT`); err != nil {
		b.Fatal(err)
	}
	b.Logf("filled the index with %d records in %v (%.0f records/s), then vacuumed, analysed and checkpointed it in %v",
		*benchIndex, fill.Round(time.Millisecond), float64(*benchIndex)/fill.Seconds(), time.Since(start).Round(time.Millisecond))

	for _, persons := range []bool{false, true} {
		name := "shape"
		if persons {
			name = "persons"
		}
		b.Run(name, func(b *testing.B) {
			var steps stepTimes
			walBefore := walBytes(b, conn)
			for b.Loop() {
				recs := w.records(*benchBatch)
				serverBefore, clientBefore := cpu(b, cluster)
				if err := register(s, recs, persons, &steps); err != nil {
					b.Fatal(err)
				}
				serverAfter, clientAfter := cpu(b, cluster)
				steps.serverCPU += serverAfter - serverBefore
				steps.clientCPU += clientAfter - clientBefore
				w.stored(recs)
			}
			b.ReportMetric(float64(b.N**benchBatch)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(walBytes(b, conn)-walBefore)/1024/float64(b.N), "wal-kB/batch")
			steps.report(b)
		})
	}
}

// register is one batch's transaction.
func register(s store.Store, recs []store.IndexRecord, persons bool, steps *stepTimes) error {
	start := time.Now()
	var inFn time.Duration
	err := s.Update(ctx, func(tx store.Tx) error {
		fnStart := time.Now()
		defer func() { inFn = time.Since(fnStart) }()
		ix := tx.Index()
		lap := steps.lap()
		if err := ix.Lock(); err != nil {
			return err
		}
		sources := make([]uint64, len(recs))
		var blocks []uint64
		for i, r := range recs {
			sources[i] = r.Source
			blocks = append(blocks, r.Blocks...)
		}
		known, err := ix.BySource(sources)
		if err != nil {
			return err
		}
		if len(known) != 0 {
			return fmt.Errorf("%d sources known", len(known))
		}
		lap(&steps.bySource)
		members, err := ix.BlockMembers(blocks, benchPerBlock)
		if err != nil {
			return err
		}
		lap(&steps.members)
		seen := map[uint64]bool{}
		var ids []uint64
		for _, m := range members {
			for _, id := range m {
				if !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
		}
		cands, err := ix.Records(ids)
		if err != nil {
			return err
		}
		if len(cands) != len(ids) {
			return fmt.Errorf("%d of %d candidates read", len(cands), len(ids))
		}
		steps.candidates += len(ids)
		lap(&steps.records)
		first, err := ix.ReserveIDs(len(recs))
		if err != nil {
			return err
		}
		for i := range recs {
			recs[i].ID = first + uint64(i)
		}
		if persons {
			for _, r := range recs {
				if err := ix.AddPersons(r.Person); err != nil {
					return err
				}
			}
			lap(&steps.persons)
		}
		if err := ix.Add(recs); err != nil {
			return err
		}
		lap(&steps.add)
		last, err := tx.Audit().Last()
		if err != nil {
			return err
		}
		data := fmt.Appendf(nil, `{"seq":%d,"op":"register","records":%d,"prev":"%064x"}`, last.Seq+1, len(recs), last.Seq)
		err = tx.Audit().Append(store.AuditEntry{Seq: last.Seq + 1, Data: data})
		lap(&steps.audit)
		return err
	})
	steps.commit += time.Since(start) - inFn
	steps.batches++
	return err
}

// stepTimes add up the time of each step over the batches.
type stepTimes struct {
	bySource, members, records, persons, add, audit, commit time.Duration
	serverCPU, clientCPU                                    time.Duration
	batches, candidates                                     int
}

// walBytes is the position in the WAL: its growth is what was written.
func walBytes(b *testing.B, conn *pgx.Conn) int64 {
	var n int64
	if err := conn.QueryRow(ctx, `SELECT pg_current_wal_lsn() - '0/0'`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// cpu reads the processor time of PostgreSQL and of this process.
func cpu(b *testing.B, c *pgtest.Cluster) (server, client time.Duration) {
	server, err := c.ServerCPU()
	if err != nil {
		b.Fatal(err)
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return server, time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// lap returns a function that adds the time since the last lap to a step.
func (s *stepTimes) lap() func(*time.Duration) {
	last := time.Now()
	return func(d *time.Duration) {
		now := time.Now()
		*d += now.Sub(last)
		last = now
	}
}

func (s *stepTimes) report(b *testing.B) {
	n := float64(s.batches)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / n }
	b.ReportMetric(ms(s.bySource), "lock+bysource-ms/batch")
	b.ReportMetric(ms(s.members), "members-ms/batch")
	b.ReportMetric(ms(s.records), "records-ms/batch")
	if s.persons > 0 {
		b.ReportMetric(ms(s.persons), "addperson-ms/batch")
	}
	b.ReportMetric(ms(s.add), "add-ms/batch")
	b.ReportMetric(ms(s.audit), "audit-ms/batch")
	b.ReportMetric(ms(s.commit), "begin+commit-ms/batch")
	b.ReportMetric(float64(s.candidates)/n, "candidates/batch")
	b.ReportMetric(ms(s.serverCPU), "postgres-cpu-ms/batch")
	b.ReportMetric(ms(s.clientCPU), "client-cpu-ms/batch")
}

// workload makes records like registration's: random 64-bit sources and
// persons, 200 bytes of features, 7 distinct block keys of which about 60%
// an earlier record has too. A shared key is drawn as often as records
// have it, so that common keys grow more common, as common names and
// birth years do; -pgstore.uniform draws it from the distinct keys.
type workload struct {
	rng      *rand.Rand
	keys     []uint64 // every block key stored so far, once per record that has it
	distinct []uint64 // every block key stored so far, once (with -pgstore.uniform)
	seen     map[uint64]bool
}

func newWorkload() *workload {
	return &workload{rng: rand.New(rand.NewPCG(7, 11)), seen: map[uint64]bool{}}
}

func (w *workload) records(n int) []store.IndexRecord {
	recs := make([]store.IndexRecord, n)
	for i := range recs {
		features := make([]byte, benchFeatures)
		for j := 0; j < len(features); j += 8 {
			v := w.rng.Uint64()
			for k := 0; k < 8 && j+k < len(features); k++ {
				features[j+k] = byte(v >> (8 * k))
			}
		}
		blocks := make([]uint64, 0, benchBlocks)
		for len(blocks) < benchBlocks {
			k := w.rng.Uint64()
			if len(w.keys) > 0 && w.rng.Float64() < benchShared {
				if *benchUniform {
					k = w.distinct[w.rng.IntN(len(w.distinct))]
				} else {
					k = w.keys[w.rng.IntN(len(w.keys))]
				}
			}
			if !contains(blocks, k) {
				blocks = append(blocks, k)
			}
		}
		recs[i] = store.IndexRecord{Source: w.rng.Uint64(), Person: w.rng.Uint64(), Features: features, Blocks: blocks}
	}
	return recs
}

// stored adds the records' keys to those that later records may share.
func (w *workload) stored(recs []store.IndexRecord) {
	for _, r := range recs {
		w.keys = append(w.keys, r.Blocks...)
		if *benchUniform {
			for _, k := range r.Blocks {
				if !w.seen[k] {
					w.seen[k] = true
					w.distinct = append(w.distinct, k)
				}
			}
		}
	}
}

func contains(s []uint64, v uint64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
