package badgerstore_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/badgerstore"
)

var (
	benchFill = flag.Int("badgerstore.fill", 1_000_000, "records (and persons) in the index before BenchmarkRegisterBatch measures")
	benchFast = flag.Bool("badgerstore.fastfill", false, "fill with Add alone, without the reads of registration (the index is the same; the fill is faster)")
	benchDir  = flag.String("badgerstore.dir", "", "directory for the benchmark's store (default: a new temporary one, removed after)")
)

// batchSize is the records the server registers in one transaction.
const batchSize = 1000

// perBlock is how many members of a block registration compares with
// (linkage.MaxBlock).
const perBlock = 64

// registration is a store being filled by the registration flow.
type registration struct {
	s      *badgerstore.Store
	shapes shapes
	next   uint64 // the next record to register (from 0)
	audit  []byte

	candidates int // records read as candidates, for the report
	phases     [6]time.Duration
}

// phaseNames name registration.phases.
var phaseNames = [...]string{"bysource", "blockmembers", "records", "add", "audit", "commit"}

// registerBatch registers the next n records as the server does, in one
// Update: under the index lock, the batch's sources, its blocks' members
// and those members' records, then the records, their persons and an
// audit entry.
func (r *registration) registerBatch(n int) error {
	recs := make([]store.IndexRecord, n)
	sources := make([]uint64, n)
	var blocks []uint64
	for i := range recs {
		recs[i] = r.shapes.record(r.next+uint64(i), 0)
		sources[i] = recs[i].Source
		blocks = append(blocks, recs[i].Blocks...)
	}
	t0 := time.Now()
	lap := func(i int) {
		now := time.Now()
		r.phases[i] += now.Sub(t0)
		t0 = now
	}
	err := r.s.Update(context.Background(), func(tx store.Tx) error {
		ix := tx.Index()
		if err := ix.Lock(); err != nil {
			return err
		}
		known, err := ix.BySource(sources)
		if err != nil {
			return err
		}
		lap(0)
		members, err := ix.BlockMembers(blocks, perBlock)
		if err != nil {
			return err
		}
		lap(1)
		// The candidates of each record: the members of its blocks, once.
		seen := map[uint64]struct{}{}
		var ids []uint64
		for i := range recs {
			clear(seen)
			for _, b := range recs[i].Blocks {
				for _, id := range members[b] {
					if _, ok := seen[id]; !ok {
						seen[id] = struct{}{}
						ids = append(ids, id)
					}
				}
			}
		}
		r.candidates += len(ids)
		if _, err := ix.Records(ids); err != nil {
			return err
		}
		lap(2)
		first, err := ix.ReserveIDs(n)
		if err != nil {
			return err
		}
		add := recs[:0]
		for i := range recs {
			if _, ok := known[recs[i].Source]; ok {
				continue
			}
			recs[i].ID = first + uint64(i)
			if err := ix.AddPersons(recs[i].Person); err != nil {
				return err
			}
			add = append(add, recs[i])
		}
		if err := ix.Add(add); err != nil {
			return err
		}
		lap(3)
		last, err := tx.Audit().Last()
		if err != nil {
			return err
		}
		err = tx.Audit().Append(store.AuditEntry{Seq: last.Seq + 1, Data: r.audit})
		lap(4)
		return err
	})
	lap(5)
	r.next += uint64(n)
	return err
}

// addBatch stores the next n records and their persons, without the
// reads that registration does first.
func (r *registration) addBatch(n int) error {
	err := r.s.Update(context.Background(), func(tx store.Tx) error {
		ix := tx.Index()
		first, err := ix.ReserveIDs(n)
		if err != nil {
			return err
		}
		recs := make([]store.IndexRecord, n)
		for i := range recs {
			recs[i] = r.shapes.record(r.next+uint64(i), first+uint64(i))
			if err := ix.AddPersons(recs[i].Person); err != nil {
				return err
			}
		}
		return ix.Add(recs)
	})
	r.next += uint64(n)
	return err
}

var (
	benchMu    sync.Mutex
	benchStore *registration // filled once, kept across the benchmark's runs
	benchClean func()
)

// filled returns the benchmark's store, filling it on first use.
func filled(b *testing.B) *registration {
	benchMu.Lock()
	defer benchMu.Unlock()
	if benchStore != nil {
		return benchStore
	}
	dir := *benchDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "badgerstore-bench-"); err != nil {
			b.Fatal(err)
		}
		benchClean = func() { os.RemoveAll(dir) }
	}
	log := quiet
	if os.Getenv("BADGERSTORE_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	opening := time.Now()
	s, err := badgerstore.OpenConfig(dir, testKey, log, benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("opened %s in %v, peak RSS %d MiB", dir, time.Since(opening).Round(time.Millisecond), peakRSS()>>20)
	r := &registration{s: s, shapes: shapes{seed: 1}, audit: []byte(strings.Repeat("a", 300))}
	// A -badgerstore.dir filled before goes on from where it was.
	err = s.View(context.Background(), func(tx store.Tx) error {
		st, err := tx.Index().Stats()
		r.next = uint64(st.Records)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for r.next < uint64(*benchFill) {
		fill := r.registerBatch
		if *benchFast {
			fill = r.addBatch
		}
		if err := fill(min(batchSize, *benchFill-int(r.next))); err != nil {
			b.Fatal(err)
		}
		if r.next%100_000 == 0 {
			b.Logf("filled %d records in %v (%.0f records/s so far), peak RSS %d MiB",
				r.next, time.Since(start).Round(time.Second), float64(r.next)/time.Since(start).Seconds(), peakRSS()>>20)
		}
	}
	b.Logf("filled to %d records in %v", r.next, time.Since(start).Round(time.Second))
	benchStore = r
	return r
}

// BenchmarkRegisterBatch measures registering batches of 1,000 new records
// into an index of -badgerstore.fill records and persons (1,000,000 by
// default): BySource, BlockMembers, Records of the candidates, Add,
// AddPerson and an audit entry, in one Update each. It reports records/s,
// the candidates read per record and the process's peak RSS (fill
// included).
func BenchmarkRegisterBatch(b *testing.B) {
	r := filled(b)
	candidates := r.candidates
	phases := r.phases
	from := r.next
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime()
	for b.Loop() {
		if err := r.registerBatch(batchSize); err != nil {
			b.Fatal(err)
		}
	}
	elapsed, cpuUsed := time.Since(start), cpuTime()-cpu
	n := r.next - from
	b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(r.candidates-candidates)/float64(n), "candidates/record")
	// CPU time per record does not depend on what else the machine runs;
	// records/s does.
	b.ReportMetric(float64(cpuUsed.Microseconds())/float64(n), "cpu-µs/record")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peakRSS-MiB")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.Logf("memory now: %s; Go heap in use %d MiB, heap from the OS %d MiB, GC goal %d MiB",
		procStatus("VmRSS", "RssAnon", "RssFile"), ms.HeapInuse>>20, ms.HeapSys>>20, ms.NextGC>>20)
	for i, name := range phaseNames {
		b.ReportMetric(float64((r.phases[i]-phases[i]).Microseconds())/float64(n), name+"-µs/record")
	}
}

// benchConfig is DefaultConfig, changed by BADGERSTORE_MEMTABLE_MB,
// BADGERSTORE_BLOCKCACHE_MB, BADGERSTORE_L0_TABLES, BADGERSTORE_BASELEVEL_MB,
// BADGERSTORE_BLOCK_KB, BADGERSTORE_MAPPED_MB and BADGERSTORE_INDEXCACHE_MB,
// to try others.
func benchConfig() badgerstore.Config {
	c := badgerstore.DefaultConfig()
	mb := func(name string, v *int64) {
		if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
			*v = int64(n) << 20
		}
	}
	mb("BADGERSTORE_MEMTABLE_MB", &c.MemTableBytes)
	mb("BADGERSTORE_BLOCKCACHE_MB", &c.BlockCacheBytes)
	mb("BADGERSTORE_BASELEVEL_MB", &c.BaseLevelBytes)
	if n, err := strconv.Atoi(os.Getenv("BADGERSTORE_L0_TABLES")); err == nil {
		c.LevelZeroTables = n
	}
	if n, err := strconv.Atoi(os.Getenv("BADGERSTORE_BLOCK_KB")); err == nil {
		c.BlockBytes = n << 10
	}
	mb("BADGERSTORE_MAPPED_MB", &c.MappedBytes)
	mb("BADGERSTORE_INDEXCACHE_MB", &c.IndexCacheBytes)
	return c
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident set (VmHWM), in bytes.
func peakRSS() int64 {
	kb, _ := strconv.ParseInt(strings.TrimSuffix(procStatus("VmHWM"), " kB"), 10, 64)
	return kb << 10
}

// procStatus returns the named lines of /proc/self/status, as "value" for
// one name and "name value, ..." for several.
func procStatus(names ...string) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		for _, name := range names {
			if rest, ok := strings.CutPrefix(line, name+":"); ok {
				if len(names) == 1 {
					return strings.TrimSpace(rest)
				}
				out = append(out, name+" "+strings.TrimSpace(rest))
			}
		}
	}
	return strings.Join(out, ", ")
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	benchMu.Lock()
	if benchStore != nil {
		if err := benchStore.s.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close benchmark store:", err)
		}
	}
	if benchClean != nil {
		benchClean()
	}
	benchMu.Unlock()
	os.Exit(code)
}
