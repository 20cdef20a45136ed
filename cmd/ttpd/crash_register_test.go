package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/synth"
)

const registerChunk = 2000

var registerFields = []string{"agb", "patient_number", "bsn", "family_name", "given_names", "initials", "birth_date", "sex", "postcode", "house_number"}

// registerBatch is a synthetic delivery of about 60,000 records from three
// institutions, in chunks, with row keys 0, 1, 2, ...
func registerBatch() [][]*ttpv1.Record {
	var chunks [][]*ttpv1.Record
	var cur []*ttpv1.Record
	n := 0
	for r := range synth.NewPopulation(synth.Config{Seed: 9, Persons: 40_000, Institutions: 3, Profile: synth.DefaultProfile()}).Records() {
		cur = append(cur, &ttpv1.Record{RowKey: strconv.Itoa(n), Values: []string{
			r.AGB, r.PatientNumber, r.BSN, r.FamilyName, r.GivenNames, r.Initials, r.BirthDate, r.Sex, r.Postcode, r.HouseNo}})
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
	proc *exec.Cmd
}

func newRegisterServer(t *testing.T, bin string) *registerServer {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}})
	f.Config.Listen = freeAddr(t)
	if err := f.Config.Write(f.ConfigPath); err != nil {
		t.Fatal(err)
	}
	s := &registerServer{bin: bin, f: f, proc: startTTPD(t, bin, f)}
	_, err := ttpv1.NewAdminServiceClient(dial(t, f, "operator")).CreateDomain(context.Background(),
		&ttpv1.CreateDomainRequest{Name: "nkr", Brokers: []string{"hospital"}})
	if err != nil {
		t.Fatal(err)
	}
	s.stop(t)
	return s
}

// start runs the server on its store.
func (s *registerServer) start(t *testing.T) { s.proc = startTTPD(t, s.bin, s.f) }

// stream registers the chunks from the first, and returns every answered
// record's person pseudonym by row key and the decisions. With killAfter > 0
// it kills the server with SIGKILL once that many answers have come back,
// and returns what it had.
func (s *registerServer) stream(t *testing.T, chunks [][]*ttpv1.Record, killAfter int) (map[string]string, map[ttpv1.LinkDecision]int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := ttpv1.NewLinkageServiceClient(dial(t, s.f, "hospital")).RegisterStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, c := range chunks {
			req := &ttpv1.RegisterStreamRequest{Records: c}
			if i == 0 {
				req.Domain, req.Fields = "nkr", registerFields
			}
			if st.Send(req) != nil {
				return
			}
		}
		st.CloseSend()
	}()
	persons := map[string]string{}
	decisions := map[ttpv1.LinkDecision]int{}
	for answers := 0; ; answers++ {
		if killAfter > 0 && answers == killAfter {
			if err := s.proc.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			s.proc.Wait()
			for {
				if _, err := st.Recv(); err != nil {
					break // the stream must end with an error, not hang
				}
			}
			break
		}
		resp, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after %d answers: %v", answers, err)
		}
		for _, r := range resp.Records {
			if !r.Rejected {
				persons[r.RowKey] = r.PersonPseudonym
			}
			decisions[r.Decision]++
		}
	}
	cancel()
	wg.Wait()
	return persons, decisions
}

func (s *registerServer) stop(t *testing.T) {
	t.Helper()
	s.proc.Process.Signal(syscall.SIGTERM)
	if err := s.proc.Wait(); err != nil {
		t.Fatalf("ttpd did not stop cleanly on SIGTERM: %v", err)
	}
	if out, err := exec.Command(s.bin, "-config", s.f.ConfigPath, "-verify-audit").CombinedOutput(); err != nil {
		t.Fatalf("-verify-audit: %v\n%s", err, out)
	}
}

// TestKill9DuringRegistration kills ttpd with SIGKILL in the middle of a
// batch registration, restarts it and sends the whole batch again: no record
// makes a second person, and the persons are those of an uninterrupted run
// on a fresh server. Person IDs are random, so the two servers' pseudonyms
// differ; the partition of records into persons must not.
func TestKill9DuringRegistration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ttpd as a process")
	}
	bin := buildTTPD(t)
	chunks := registerBatch()
	total := 0
	for _, c := range chunks {
		total += len(c)
	}

	// The uninterrupted run must start from the same store: the linkage key
	// is made at first start, and under another key the keyed encodings
	// (Bloom filters, 32-bit hashes) differ a little, so a borderline pair
	// may score across a threshold. A copy of the store taken before the
	// first registration gives both runs the same key.
	srv := newRegisterServer(t, bin)
	snapshot := filepath.Join(t.TempDir(), "store")
	if err := os.CopyFS(snapshot, os.DirFS(srv.f.Config.StoreDir)); err != nil {
		t.Fatal(err)
	}

	srv.start(t)
	const answersBeforeKill = 3
	before, _ := srv.stream(t, chunks, answersBeforeKill)
	if len(before) == 0 {
		t.Fatal("no answers before the kill")
	}
	srv.start(t)
	resent, decisions := srv.stream(t, chunks, 0)
	srv.stop(t)
	// Every answer the client saw was durable: those records are known now,
	// with the same person.
	for row, p := range before {
		if resent[row] != p {
			t.Fatalf("row %s: person %q before the kill, %q after", row, p, resent[row])
		}
	}
	known := decisions[ttpv1.LinkDecision_LINK_DECISION_KNOWN]
	if known < len(before) {
		t.Fatalf("%d records known after restart; the client had %d answers", known, len(before))
	}
	if known == len(resent) {
		t.Logf("the server had registered the whole batch before it was killed; the test proves less than it should")
	}

	if err := os.RemoveAll(srv.f.Config.StoreDir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(snapshot, srv.f.Config.StoreDir); err != nil {
		t.Fatal(err)
	}
	srv.start(t)
	straight, _ := srv.stream(t, chunks, 0)
	srv.stop(t)

	if len(resent) != len(straight) {
		t.Fatalf("%d records accepted after the kill, %d in the uninterrupted run", len(resent), len(straight))
	}
	var sc linkage.PairwiseScores
	for row, p := range straight {
		q, ok := resent[row]
		if !ok {
			t.Fatalf("row %s has a person in the uninterrupted run only", row)
		}
		sc.Add(p, q)
	}
	if sc.TruePersons() != sc.PredictedPersons() || sc.CorrectPairs() != sc.TruePairs() || sc.CorrectPairs() != sc.PredictedPairs() {
		t.Fatalf("partitions differ: %d persons after the kill, %d uninterrupted; record pairs %d / %d, in common %d",
			sc.PredictedPersons(), sc.TruePersons(), sc.PredictedPairs(), sc.TruePairs(), sc.CorrectPairs())
	}
	t.Logf("%d records in %d chunks; killed after %d answers (%d records); %d known on resending; %d persons, %d linked pairs, identical to the uninterrupted run",
		total, len(chunks), answersBeforeKill, len(before), known, sc.TruePersons(), sc.TruePairs())
}
