package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/synth"
)

// TestKill9DuringCodingStream kills ttpd with SIGKILL in the middle of a
// large coding stream, restarts it, and checks that the store opens, the
// domains and keys are intact (same pseudonyms as before), and the audit
// chain verifies and holds a record for every chunk the client received.
// On PostgreSQL only ttpd dies; the database keeps running.
func TestKill9DuringCodingStream(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ttpd as a process")
	}
	bin := buildTTPD(t)
	for _, b := range servertest.Backends {
		t.Run(string(b), func(t *testing.T) { kill9DuringCodingStream(t, bin, b) })
	}
}

func kill9DuringCodingStream(t *testing.T, bin string, b servertest.Backend) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}})
	f.UseBackend(t, b)
	f.Config.Listen = freeAddr(t)
	if err := f.Config.Write(f.ConfigPath); err != nil {
		t.Fatal(err)
	}

	proc := startFixture(t, bin, f)
	operator := dial(t, f, "operator")
	hospital := dial(t, f, "hospital")
	ctx := context.Background()
	admin := ttpv1.NewAdminServiceClient(operator)
	if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: "nkr", Brokers: []string{"hospital"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.RotateDomainKey(ctx, &ttpv1.RotateDomainKeyRequest{Name: "nkr"}); err != nil {
		t.Fatal(err)
	}
	before, err := admin.DescribeDomain(ctx, &ttpv1.DescribeDomainRequest{Name: "nkr"})
	if err != nil {
		t.Fatal(err)
	}
	probe := probePseudonyms(t, hospital)

	// Stream chunks until a few answers have come back, then SIGKILL.
	stream, err := ttpv1.NewCodingServiceClient(hospital).CodeStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go sendChunks(stream, 1000, 2000)
	received := 0
	for received < 5 {
		if _, err := stream.Recv(); err != nil {
			t.Fatalf("after %d answers: %v", received, err)
		}
		received++
	}
	proc.kill(t)
	for {
		if _, err := stream.Recv(); err != nil {
			break // the stream must end with an error, not hang
		}
		received++
	}

	// Restart on the same store: domains, keys and pseudonyms are intact.
	proc = startFixture(t, bin, f)
	hospital = dial(t, f, "hospital")
	admin = ttpv1.NewAdminServiceClient(dial(t, f, "operator"))
	after, err := admin.DescribeDomain(ctx, &ttpv1.DescribeDomainRequest{Name: "nkr"})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(before, after) {
		t.Fatalf("domain changed across kill -9:\nbefore %v\nafter  %v", before, after)
	}
	again := probePseudonyms(t, hospital)
	for v := range probe {
		if probe[v] != again[v] {
			t.Fatalf("key version %d gives another pseudonym after restart", v)
		}
	}
	proc.stop(t)

	// The audit chain verifies, with the command an operator would run.
	out := verifyAudit(t, bin, "-config", f.ConfigPath)
	// Every chunk answer the client saw was audited before it was sent.
	kek, err := keys.LoadKEKFile(f.Config.KEKFile)
	if err != nil {
		t.Fatal(err)
	}
	db, err := server.OpenStore(ctx, f.Config, kek, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	streamed := 0
	err = audit.Each(ctx, db, func(rec audit.Record, _ []byte) error {
		if rec.Action == "CodeStream" {
			streamed++
			if rec.Records != 2000 || rec.Domain != "nkr" || rec.KeyVersion != 2 {
				return fmt.Errorf("unexpected stream audit record %+v", rec)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if streamed < received {
		t.Fatalf("client received %d answers but only %d are audited", received, streamed)
	}
	t.Logf("killed after %d answers received; %d chunk records audited; %s", received, streamed, out)
}

// probePseudonyms codes one fixed record under each key version.
func probePseudonyms(t *testing.T, cc *grpc.ClientConn) map[uint32]string {
	t.Helper()
	out := map[uint32]string{}
	for _, v := range []uint32{1, 2} {
		resp, err := ttpv1.NewCodingServiceClient(cc).Code(context.Background(), &ttpv1.CodeRequest{
			Domain: "nkr", Fields: []string{"bsn", "family_name"}, KeyVersion: v,
			Records: []*ttpv1.Record{{RowKey: "1", Values: []string{"111222333", "van der Berg"}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		out[v] = resp.Records[0].Pseudonyms[0] + resp.Records[0].Pseudonyms[1]
	}
	return out
}

func sendChunks(stream ttpv1.CodingService_CodeStreamClient, chunks, size int) {
	g := synth.New(7)
	for c := 0; c < chunks; c++ {
		req := &ttpv1.CodeStreamRequest{}
		if c == 0 {
			req.Domain, req.Fields = "nkr", []string{"bsn", "family_name", "birth_date", "postcode"}
		}
		for i := 0; i < size; i++ {
			p := g.Person()
			req.Records = append(req.Records, &ttpv1.Record{RowKey: strconv.Itoa(c*size + i), Values: []string{p.BSN, p.FamilyName, p.BirthDate, p.Postcode}})
		}
		if err := stream.Send(req); err != nil {
			return
		}
	}
	stream.CloseSend()
}
