package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/devmode"
)

// rotateThroughA rotates the demo domain's key through A, twice, and
// checks that B uses each new version without a restart and with A's key:
// an explicit key_version 2 at once (a server reloads a domain when asked
// for a version it does not know), and key version 0, the newest, under
// version 3 within a few seconds (on a shared store domains are refreshed
// at most every second). Two rotations, because asking for version 2 makes
// B reload, after which version 0 would give 2 at once and prove nothing
// about the refresh.
func (s *twoServers) rotateThroughA(t *testing.T) {
	ctx := context.Background()
	codeA, codeB := s.a.dial(t, devmode.BrokerName), s.b.dial(t, devmode.BrokerName)
	admin := ttpv1.NewAdminServiceClient(s.a.dial(t, devmode.OperatorName))
	rotate := func(want uint32) {
		t.Helper()
		resp, err := admin.RotateDomainKey(ctx, &ttpv1.RotateDomainKeyRequest{Name: devmode.DemoDomain})
		if err != nil {
			t.Fatal(err)
		}
		if v := resp.Domain.CurrentKeyVersion; v != want {
			t.Fatalf("rotation through A made version %d, want %d", v, want)
		}
	}
	sameAsA := func(v uint32, pseudonyms string) {
		t.Helper()
		if got, p, err := codeOne(ctx, codeA, v); err != nil || got != v || p != pseudonyms {
			t.Fatalf("key version %d: A codes %q under version %d (%v); B coded %q", v, p, got, err, pseudonyms)
		}
	}

	v, p1, err := codeOne(ctx, codeB, 0)
	if err != nil || v != 1 {
		t.Fatalf("before any rotation B codes under version %d (%v), want 1", v, err)
	}

	rotate(2)
	v, p2, err := codeOne(ctx, codeB, 2) // at once
	if err != nil || v != 2 {
		t.Fatalf("B right after the rotation through A, asked for version 2: version %d, %v", v, err)
	}
	sameAsA(2, p2)
	if p2 == p1 {
		t.Fatal("version 2 gives version 1's pseudonyms")
	}

	rotate(3)
	rotated := time.Now()
	for {
		v, p3, err := codeOne(ctx, codeB, 0)
		if err != nil {
			t.Fatal(err)
		}
		if v == 3 {
			sameAsA(3, p3)
			t.Logf("B coded under version 3 %v after the rotation through A", time.Since(rotated).Round(time.Millisecond))
			return
		}
		if v != 2 {
			t.Fatalf("B codes under version %d after versions 2 and 3 were made", v)
		}
		if time.Since(rotated) > 5*time.Second {
			t.Fatal("B still codes under version 2 five seconds after version 3 was made through A")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// codeOne codes one fixed record in the demo domain over a CodeStream,
// asking for key version v (0: the newest), and returns the version the
// server used and the pseudonyms.
func codeOne(ctx context.Context, cc grpc.ClientConnInterface, v uint32) (uint32, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := ttpv1.NewCodingServiceClient(cc).CodeStream(ctx)
	if err != nil {
		return 0, "", err
	}
	err = st.Send(&ttpv1.CodeStreamRequest{Domain: devmode.DemoDomain, Fields: []string{"bsn", "family_name"}, KeyVersion: v,
		Records: []*ttpv1.Record{{RowKey: "1", Values: []string{"111222333", "van der Berg"}}}})
	if err != nil {
		return 0, "", err
	}
	if err := st.CloseSend(); err != nil {
		return 0, "", err
	}
	resp, err := st.Recv()
	if err != nil {
		return 0, "", err
	}
	if _, err := st.Recv(); !errors.Is(err, io.EOF) {
		return 0, "", fmt.Errorf("after the one answer: %v", err)
	}
	if len(resp.Records) != 1 || resp.Records[0].Rejected {
		return 0, "", fmt.Errorf("answer %v", resp)
	}
	return resp.KeyVersion, strings.Join(resp.Records[0].Pseudonyms, " "), nil
}
