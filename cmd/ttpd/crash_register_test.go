package main

import (
	"context"
	"strconv"
	"testing"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/synth"
)

const registerChunk = 2000

// registerBatch is a synthetic delivery of about 60,000 records from three
// institutions, in chunks, with row keys 0, 1, 2, ...
func registerBatch() [][]*ttpv1.Record {
	var chunks [][]*ttpv1.Record
	var cur []*ttpv1.Record
	n := 0
	for r := range synth.NewPopulation(synth.Config{Seed: 9, Persons: 40_000, Institutions: 3, Profile: synth.DefaultProfile()}).Records() {
		cur = append(cur, recordOf(r, strconv.Itoa(n)))
		n++
		if len(cur) == registerChunk {
			chunks, cur = append(chunks, cur), nil
		}
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

// registerServer is a ttpd process on a fixture of its own.
type registerServer struct {
	bin  string
	f    *servertest.Fixture
	proc *ttpdProcess
}

// newRegisterServer makes a fixture on backend b with a domain nkr that
// hospital registers into; the server is stopped when it returns.
func newRegisterServer(t *testing.T, bin string, b servertest.Backend) *registerServer {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}})
	f.UseBackend(t, b)
	f.Config.Listen = freeAddr(t)
	f.Config.MetricsListen = freeAddr(t)
	if err := f.Config.Write(f.ConfigPath); err != nil {
		t.Fatal(err)
	}
	s := &registerServer{bin: bin, f: f}
	s.start(t)
	_, err := ttpv1.NewAdminServiceClient(dial(t, f, "operator")).CreateDomain(context.Background(),
		&ttpv1.CreateDomainRequest{Name: "nkr", Brokers: []string{"hospital"}})
	if err != nil {
		t.Fatal(err)
	}
	s.stop(t)
	return s
}

// start runs the server on its store.
func (s *registerServer) start(t *testing.T) { s.proc = startFixture(t, s.bin, s.f) }

// stream registers the chunks from the first, as hospital; with
// killAfter > 0 it kills the server with SIGKILL once that many answers
// have come back, and returns what it had.
func (s *registerServer) stream(t *testing.T, chunks [][]*ttpv1.Record, killAfter int) registered {
	t.Helper()
	got, err := registerStream(context.Background(), dial(t, s.f, "hospital"), "nkr", chunks, killAfter, func() { s.proc.kill(t) })
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// stop stops the server cleanly, and its audit chain must verify.
func (s *registerServer) stop(t *testing.T) {
	t.Helper()
	s.proc.stop(t)
	verifyAudit(t, s.bin, "-config", s.f.ConfigPath)
}

// TestKill9DuringRegistration kills ttpd with SIGKILL in the middle of a
// batch registration, restarts it and sends the whole batch again: no record
// makes a second person, and the persons are those of an uninterrupted run
// on a fresh server. Person IDs are random, so the two servers' pseudonyms
// differ; the partition of records into persons must not. On PostgreSQL
// only ttpd dies; the database keeps running.
func TestKill9DuringRegistration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ttpd as a process")
	}
	bin := buildTTPD(t)
	chunks := registerBatch()
	for _, b := range servertest.Backends {
		t.Run(string(b), func(t *testing.T) { kill9DuringRegistration(t, bin, b, chunks) })
	}
}

func kill9DuringRegistration(t *testing.T, bin string, b servertest.Backend, chunks [][]*ttpv1.Record) {
	total := 0
	for _, c := range chunks {
		total += len(c)
	}

	// The uninterrupted run must start from the same store: the linkage key
	// is made at first start, and under another key the keyed encodings
	// (Bloom filters, 32-bit hashes) differ a little, so a borderline pair
	// may score across a threshold. A copy of the store taken before the
	// first registration gives both runs the same key.
	srv := newRegisterServer(t, bin, b)
	fresh := srv.f.SnapshotStore(t)

	srv.start(t)
	const answersBeforeKill = 3
	before := srv.stream(t, chunks, answersBeforeKill)
	if len(before.persons) == 0 {
		t.Fatal("no answers before the kill")
	}
	srv.start(t)
	resent := srv.stream(t, chunks, 0)
	known := knownRows(t, srv.f.Config.MetricsListen) // a fresh process: all of them the resend's
	checkResent(t, before, resent, known)
	srv.stop(t)

	fresh.Restore(t)
	srv.start(t)
	straight := srv.stream(t, chunks, 0)
	srv.stop(t)

	sc := samePartition(t, "after the kill against uninterrupted", resent.persons, straight.persons)
	t.Logf("%d records in %d chunks; killed after %d answers (%d records answered); %d known on resending; %d persons, %d linked pairs, identical to the uninterrupted run",
		total, len(chunks), answersBeforeKill, len(before.persons), known, sc.TruePersons(), sc.TruePairs())
}
