package server_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/ttpnl/ttp/client"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/server/store"
)

// TestReloadAccess: a certificate revoked by a reload is refused on the
// next call, on a connection opened before the reload too; a principal
// added by it may call; a reload that does not validate changes nothing;
// settings read at start only are named, not applied; every reload that
// took effect is in the audit log. Over real mTLS on a real store.
func TestReloadAccess(t *testing.T) {
	ctx := context.Background()
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}})
	newcomer := issueAgain(t, f, "newcomer", "newcomer")
	s := f.Start(t)
	newcomer.Server = s.Addr()

	hospital, err := client.Dial(f.Settings("hospital", s.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer hospital.Close()
	healthOn := func() error {
		_, err := grpc_health_v1.NewHealthClient(hospital).Check(ctx, &grpc_health_v1.HealthCheckRequest{})
		return err
	}
	if err := healthOn(); err != nil {
		t.Fatalf("hospital before the reload: %v", err)
	}
	if err := healthAs(t, newcomer); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("an unconfigured principal before the reload: %v, want PermissionDenied", err)
	}

	// Revoke hospital's certificate and add the newcomer.
	next := *f.Config
	next.RevokedCertificates = []string{servertest.Fingerprint(t, f.Settings("hospital", "").Cert)}
	next.Principals = append(slices.Clone(f.Config.Principals), config.Principal{Name: "newcomer", Organisation: f.Config.Principals[0].Organisation, Roles: []authz.Role{authz.Registry}})
	restartOnly, err := s.ReloadAccess(ctx, &next)
	if err != nil || len(restartOnly) != 0 {
		t.Fatalf("ReloadAccess: %v, %v; want no error and nothing left for a restart", restartOnly, err)
	}
	if err := healthOn(); status.Code(err) != codes.Unauthenticated || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("a revoked certificate on a connection opened before the reload: %v, want Unauthenticated", err)
	}
	if err := healthAs(t, newcomer); err != nil {
		t.Fatalf("a principal added by the reload: %v", err)
	}
	if err := healthAs(t, f.Settings("registry", s.Addr())); err != nil {
		t.Fatalf("a principal the reload left alone: %v", err)
	}

	// A configuration that does not validate changes nothing.
	bad := next
	bad.RevokedCertificates = nil
	bad.Principals = append(slices.Clone(next.Principals), config.Principal{Name: "nobody", Organisation: "no such organisation", Roles: []authz.Role{"no such role"}})
	if _, err := s.ReloadAccess(ctx, &bad); err == nil {
		t.Fatal("ReloadAccess took a configuration that does not validate")
	}
	if err := healthOn(); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("after a refused reload the revoked certificate: %v, want Unauthenticated still", err)
	}

	// Settings read at start only are named, and the access part applies.
	moved := next
	moved.Listen, moved.RevokedCertificates = "127.0.0.1:1", nil
	restartOnly, err = s.ReloadAccess(ctx, &moved)
	if err != nil || !slices.Equal(restartOnly, []string{"listen"}) {
		t.Fatalf("ReloadAccess with another listen address: %v, %v; want [listen]", restartOnly, err)
	}
	if err := healthOn(); err != nil {
		t.Fatalf("hospital after its revocation was lifted: %v", err)
	}

	var reloads []audit.Record
	err = s.Store().View(ctx, func(tx store.Tx) error {
		return tx.Audit().Scan(1, func(e store.AuditEntry) error {
			var rec audit.Record
			if err := json.Unmarshal(e.Data, &rec); err != nil {
				return err
			}
			if rec.Action == "ReloadAccess" {
				reloads = append(reloads, rec)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reloads) != 2 || !strings.Contains(reloads[0].Detail, "3 principals, 1 revoked certificates") || !strings.Contains(reloads[1].Detail, "[listen]") {
		t.Fatalf("audit records of the reloads: %+v; want the two that took effect", reloads)
	}
}

// TestReloadAccessQuotas: a quota changed by a reload applies to the next
// call, and raising one does not refill a used bucket at once: a reload
// gives no one a fresh quota.
func TestReloadAccessQuotas(t *testing.T) {
	s := quotaFixture(t, 2_000)
	ctx := context.Background()
	coding := ttpv1.NewCodingServiceClient(s.Dial(t, "prober"))
	code := func(n int) error {
		_, err := coding.Code(ctx, &ttpv1.CodeRequest{Domain: "hmac", Fields: []string{"bsn"}, Records: bsnChunk(0, n)})
		return err
	}
	for range 2 {
		if err := code(1000); err != nil {
			t.Fatalf("within the burst: %v", err)
		}
	}
	raised := *s.Fixture.Config
	raised.Quotas = &config.Quotas{Pseudonyms: &config.Quota{PerDay: 864, Burst: 1_000_000}, Registrations: raised.Quotas.Registrations}
	if _, err := s.ReloadAccess(ctx, &raised); err != nil {
		t.Fatal(err)
	}
	wantQuotaRefusal(t, "an emptied bucket after its burst was raised", code(10), 10)

	unlimited := raised
	unlimited.Principals = slices.Clone(raised.Principals)
	for i := range unlimited.Principals {
		if unlimited.Principals[i].Name == "prober" {
			unlimited.Principals[i].Quotas = &config.Quotas{Pseudonyms: &config.Quota{Unlimited: true}}
		}
	}
	if _, err := s.ReloadAccess(ctx, &unlimited); err != nil {
		t.Fatal(err)
	}
	if err := code(1000); err != nil {
		t.Fatalf("a principal the reload made unlimited: %v", err)
	}
	// A principal whose bucket was never used starts with the raised burst.
	sweeper := ttpv1.NewCodingServiceClient(s.Dial(t, "sweeper"))
	for i := range 3 {
		if _, err := sweeper.Code(ctx, &ttpv1.CodeRequest{Domain: "hmac", Fields: []string{"bsn"}, Records: bsnChunk(0, 1000)}); err != nil {
			t.Fatalf("chunk %d of 3,000 pseudonyms, over the old burst of 2,000: %v", i+1, err)
		}
	}
}
