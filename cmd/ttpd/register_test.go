package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/linkage/pairwise"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/synth"
)

// registerFields are the fields of every registration in these tests.
var registerFields = []string{"agb", "patient_number", "bsn", "family_name", "given_names", "initials", "birth_date", "sex", "postcode", "house_number"}

// recordOf is a synthetic record as the registration sends it.
func recordOf(r synth.Record, rowKey string) *ttpv1.Record {
	return &ttpv1.Record{RowKey: rowKey, Values: []string{
		r.AGB, r.PatientNumber, r.BSN, r.FamilyName, r.GivenNames, r.Initials, r.BirthDate, r.Sex, r.Postcode, r.HouseNo}}
}

// registered is what a registration stream answered.
type registered struct {
	persons map[string]string // row key → person pseudonym, accepted rows
	answers int               // chunk answers
}

// registerStream registers chunks in domain as one RegisterStream and
// collects the answers. With killAfter > 0 it calls kill once that many
// answers have come back, and then reads what the stream still holds until
// it ends, which must be with an error, not by hanging. It returns errors
// rather than failing t, so that streams may run in goroutines.
func registerStream(ctx context.Context, cc grpc.ClientConnInterface, domain string, chunks [][]*ttpv1.Record, killAfter int, kill func()) (registered, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	got := registered{persons: map[string]string{}}
	st, err := ttpv1.NewLinkageServiceClient(cc).RegisterStream(ctx)
	if err != nil {
		return got, err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // before Wait: a sender blocked on a dead server returns
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, c := range chunks {
			req := &ttpv1.RegisterStreamRequest{Records: c}
			if i == 0 {
				req.Domain, req.Fields = domain, registerFields
			}
			if st.Send(req) != nil {
				return
			}
		}
		st.CloseSend()
	}()
	killed := false
	for {
		if killAfter > 0 && got.answers == killAfter && !killed {
			kill()
			killed = true
		}
		resp, err := st.Recv()
		if errors.Is(err, io.EOF) {
			if killed {
				return got, fmt.Errorf("the stream ended normally after the kill, after %d answers: the server had finished", got.answers)
			}
			return got, nil
		}
		if err != nil {
			if killed {
				return got, nil
			}
			return got, fmt.Errorf("after %d answers: %w", got.answers, err)
		}
		got.answers++
		for _, r := range resp.Records {
			if !r.Rejected {
				got.persons[r.RowKey] = r.PersonPseudonym
			}
		}
	}
}

// samePartition fails t unless got and want hold the same rows, grouped
// into persons the same way: pairwise precision and recall both exactly 1.
// The pseudonyms themselves may differ (person IDs are random).
func samePartition(t *testing.T, what string, got, want map[string]string) pairwise.Tally {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	var sc pairwise.Tally
	for row, p := range want {
		q, ok := got[row]
		if !ok {
			t.Fatalf("%s: row %s has no person", what, row)
		}
		sc.Add(p, q)
	}
	// Every pair in common: pairwise precision and recall both exactly 1
	// (and, without pairs, where those are undefined, the same singletons).
	if sc.CorrectPairs() != sc.TruePairs() || sc.CorrectPairs() != sc.PredictedPairs() || sc.PredictedPersons() != sc.TruePersons() {
		precision, recall, _ := sc.Scores()
		t.Fatalf("%s: partitions differ: precision %v, recall %v; %d persons, want %d; record pairs %d, want %d, in common %d",
			what, precision, recall, sc.PredictedPersons(), sc.TruePersons(), sc.PredictedPairs(), sc.TruePairs(), sc.CorrectPairs())
	}
	return sc
}

// union is the rows of maps that share none.
func union(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// checkOneRecordPerSource fails t unless the person index holds as many
// records as rows were registered: no source registered twice.
func checkOneRecordPerSource(t *testing.T, st store.Store, rows int) {
	t.Helper()
	var stats store.IndexStats
	err := st.View(context.Background(), func(tx store.Tx) error {
		var err error
		stats, err = tx.Index().Stats()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Records != int64(rows) {
		t.Fatalf("the person index holds %d records; %d distinct rows were registered", stats.Records, rows)
	}
}

// checkResent checks a resend after a kill: every answer the client saw
// before the kill was durable (the resend knows those rows, as the same
// persons), and the kill came before the end (something was left to
// register), or the test proves nothing. The broker is not told what the
// index did: known is what the resending server's metrics (an operator's
// view, knownRows) counted during the resend.
func checkResent(t *testing.T, before, resent registered, known int) {
	t.Helper()
	for row, p := range before.persons {
		if resent.persons[row] != p {
			t.Fatalf("row %s: person %q before the kill, %q after", row, p, resent.persons[row])
		}
	}
	if known < len(before.persons) {
		t.Fatalf("%d rows known on resending; %d were answered before the kill", known, len(before.persons))
	}
	if known == len(resent.persons) {
		t.Fatal("the whole stream was registered before the kill: the test proves nothing")
	}
}

// knownRows reads from a server's metrics how many registered rows it
// found known (registered before).
func knownRows(t *testing.T, metricsAddr string) int {
	t.Helper()
	const metric = `ttp_linkage_decisions_total{decision="known"} `
	for _, line := range strings.Split(servertest.Metrics(t, metricsAddr), "\n") {
		if v, ok := strings.CutPrefix(line, metric); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metrics: %q", line)
			}
			return int(n)
		}
	}
	return 0
}

// personsAtBoth counts the persons with rows in both files.
func personsAtBoth(persons map[string]string, file0, file1 delivery) int {
	in := func(f delivery) map[string]bool {
		m := map[string]bool{}
		for _, c := range f.chunks {
			for _, r := range c {
				if p, ok := persons[r.RowKey]; ok {
					m[p] = true
				}
			}
		}
		return m
	}
	at0, n := in(file0), 0
	for p := range in(file1) {
		if at0[p] {
			n++
		}
	}
	return n
}
