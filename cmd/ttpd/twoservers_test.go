package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"google.golang.org/grpc"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/devmode"
	"github.com/ttpnl/ttp/server/linkage/pairwise"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/pgtest"
)

// TestTwoServersOneDatabase runs two ttpd, A and B, in dev mode on one
// data directory and one PostgreSQL database, as two servers behind one
// address would run, and checks that together they act as one server:
//
//   - concurrent registration: broker through A and broker2 through B
//     register overlapping files at once; the persons are those of one
//     server registering the same batches in the order they committed;
//   - kill -9 of A in the middle of a registration; the whole file again
//     through B: no duplicates, the same persons;
//   - a key rotation through A is used by B without a restart;
//   - ttpd -verify-audit finds one audit chain, written by both.
//
// What "the same persons" means: registration is deterministic given the
// order of its batches, not whatever the order. A record is matched against
// what the index holds when its batch runs (the newest MaxBlock members of
// its blocks, and the best-scoring person among them), so when three
// records of one person come in another order, the third may link the
// first two's persons or not, and a 64-member block may hold other
// candidates. Registering the same records one file after the other may
// therefore give a slightly different partition than the concurrent run,
// without any fault (on this test's data it mostly does: one person of
// 4,750 more or less, and the partition varies from run to run with the
// interleaving). But the index lock serialises batches: the concurrent
// run must equal, exactly (pairwise precision and recall 1), one server
// registering the same chunks sequentially in the order the batches
// committed, which the audit log records (committedBatches), starting from
// a copy of the store taken before any registration (the same linkage
// key). A serialisation fault (two batches matched without seeing each
// other's records: the index lock left out, or not held until commit)
// makes two persons of one that the sequential run makes one, and fails
// the comparison; so does a record registered twice.
func TestTwoServersOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ttpd and runs three of them")
	}
	bin := buildTTPD(t)
	dir := filepath.Join(t.TempDir(), "data")
	storeURL := pgtest.URL(t)
	files := deliveries(5000, 3, 15)

	// A's first start makes the data directory and, in the database, the
	// linkage key and the demo domain. The reference store is a copy of it
	// before any registration (no server may be connected while it is
	// copied).
	s := &twoServers{a: newDevServer(t, bin, dir, storeURL), b: newDevServer(t, bin, dir, storeURL)}
	s.a.start(t)
	s.a.proc.stop(t)
	s.ref = newDevServer(t, bin, dir, servertest.CopyPostgres(t, storeURL))
	s.a.start(t)
	s.b.start(t)
	s.ref.start(t)
	s.st = openDevStore(t, dir, storeURL)

	if !t.Run("concurrent registration", func(t *testing.T) { s.registerConcurrently(t, files[0], files[1]) }) ||
		!t.Run("kill -9 and resend", func(t *testing.T) { s.killAndResend(t, files[2]) }) {
		return
	}
	s.ref.proc.stop(t)
	if !s.a.running() { // killed in the middle of a registration
		s.a.start(t)
	}
	t.Run("key rotation", s.rotateThroughA)

	// One audit chain, written by both servers (stopped now).
	s.a.proc.stop(t)
	s.b.proc.stop(t)
	out := verifyAudit(t, bin, "-data", dir, "-store", storeURL)
	var n int
	if _, err := fmt.Sscanf(out, "audit chain verified: %d records", &n); err != nil || n != int(lastSeq(t, s.st)) {
		t.Fatalf("-verify-audit printed %q; the log holds %d records", out, lastSeq(t, s.st))
	}
	t.Logf("%s, from both servers; %d rows registered", out, len(s.got))
}

// twoServers are the servers of TestTwoServersOneDatabase, A and B on one
// store, and the reference: one server on a copy of the store made before
// any registration.
type twoServers struct {
	a, b, ref *devServer
	st        store.Store // A and B's, opened in the test
	// got is every registered row's person from A and B; want from the
	// reference, which registered the same batches in their order.
	got, want map[string]string
}

// registered adds persons from A and B, and from the reference, and
// compares the partitions of all the rows so far.
func (s *twoServers) registered(t *testing.T, what string, got, want map[string]string) pairwise.Tally {
	t.Helper()
	s.got, s.want = union(s.got, got), union(s.want, want)
	checkOneRecordPerSource(t, s.st, len(s.got))
	return samePartition(t, what, s.got, s.want)
}

// replay registers chunks through the reference server, as broker, in one
// stream: one batch per chunk, in order.
func (s *twoServers) replay(t *testing.T, chunks [][]*ttpv1.Record) map[string]string {
	t.Helper()
	got, err := registerStream(context.Background(), s.ref.dial(t, devmode.BrokerName), devmode.DemoDomain, chunks, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return got.persons
}

// registerConcurrently registers two files at once: file0 as broker
// through A, file1 as broker2 through B.
func (s *twoServers) registerConcurrently(t *testing.T, file0, file1 delivery) {
	before := lastSeq(t, s.st)
	type result struct {
		got registered
		err error
	}
	results := make(chan result, 2)
	for _, run := range []struct {
		cc     *grpc.ClientConn
		chunks [][]*ttpv1.Record
	}{{s.a.dial(t, devmode.BrokerName), file0.chunks}, {s.b.dial(t, devmode.Broker2Name), file1.chunks}} {
		go func() {
			got, err := registerStream(context.Background(), run.cc, devmode.DemoDomain, run.chunks, 0, nil)
			results <- result{got, err}
		}()
	}
	var persons []map[string]string
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		persons = append(persons, r.got.persons)
	}
	got := union(persons...)

	batches := committedBatches(t, s.st, before)
	if n := interleavings(batches); n < 2 {
		t.Fatalf("the two streams' %d batches committed one stream after the other (%d interleavings): the test proves nothing", len(batches), n)
	}
	want := s.replay(t, replayOrder(t, batches, map[string][][]*ttpv1.Record{
		devmode.BrokerName: file0.chunks, devmode.Broker2Name: file1.chunks}))
	sc := s.registered(t, "concurrent against the same batches in one sequence", got, want)
	atBoth := personsAtBoth(got, file0, file1)
	if atBoth < 1000 {
		t.Fatalf("only %d persons have records in both files: too little overlap to test concurrency", atBoth)
	}
	t.Logf("%d + %d rows in %d batches, %d interleavings; %d persons, %d at both brokers; %d linked pairs, as sequential",
		file0.rows, file1.rows, len(batches), interleavings(batches), sc.TruePersons(), atBoth, sc.TruePairs())
}

// killAndResend registers file as broker through A, kills A with SIGKILL
// after a few answers, and sends the whole file again as broker through B.
func (s *twoServers) killAndResend(t *testing.T, file delivery) {
	before := lastSeq(t, s.st)
	const answersBeforeKill = 3
	killed, err := registerStream(context.Background(), s.a.dial(t, devmode.BrokerName), devmode.DemoDomain, file.chunks, answersBeforeKill, func() { s.a.proc.kill(t) })
	if err != nil {
		t.Fatal(err)
	}
	knownBefore := knownRows(t, s.b.metrics)
	again, err := registerStream(context.Background(), s.b.dial(t, devmode.BrokerName), devmode.DemoDomain, file.chunks, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	known := knownRows(t, s.b.metrics) - knownBefore

	// Every answer A gave was durable: B knows those rows, as the same
	// persons. The rest was new to the index.
	checkResent(t, killed, again, known)

	// The batches that committed: A's before the kill, which may be more
	// than it answered, then all of B's.
	batches := committedBatches(t, s.st, before)
	byA := len(batches) - len(file.chunks)
	if byA < killed.answers || byA >= len(file.chunks) {
		t.Fatalf("%d batches committed, so %d by A before the kill; A answered %d of %d chunks", len(batches), byA, killed.answers, len(file.chunks))
	}
	want := s.replay(t, replayOrder(t, batches, map[string][][]*ttpv1.Record{
		devmode.BrokerName: slices.Concat(file.chunks[:byA], file.chunks)}))
	sc := s.registered(t, "after the kill against the same batches in one sequence", again.persons, want)
	t.Logf("%d rows; A committed %d of %d chunks (answered %d) before the kill; %d rows known on resending through B; %d persons in all, as sequential",
		file.rows, byA, len(file.chunks), killed.answers, known, sc.TruePersons())
}
