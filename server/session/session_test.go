package session_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/session"
	"github.com/ttpnl/ttp/server/store/badgerstore"
)

var (
	ctx      = context.Background()
	operator = audit.Actor{Principal: "operator"}
	broker   = audit.Actor{Principal: "broker", Organisation: "hospital"}
)

// registry holds "nkr" (HMAC, broker codes, registry receives, rotated to
// version 2) and "obl" (OPRF, broker codes), on a real store.
func registry(t *testing.T) *domains.Registry {
	t.Helper()
	kek, err := keys.NewKEK(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	st, err := badgerstore.Open(t.TempDir(), kek.DeriveStoreKey(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg, err := domains.Open(ctx, st, kek, audit.New(st, time.Now), rand.Reader, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Create(ctx, operator, "nkr", "", domains.Access{Brokers: []string{"broker"}, Recipients: []string{"registry"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Rotate(ctx, operator, "nkr"); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CreateWithMode(ctx, operator, "obl", "", domains.Access{Brokers: []string{"broker"}}, domains.ModeOPRF); err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestOpen(t *testing.T) {
	reg := registry(t)
	registryActor := audit.Actor{Principal: "registry"}
	for _, tc := range []struct {
		name    string
		who     audit.Actor
		domain  string
		version uint32
		purpose session.Purpose
		kind    apierr.Kind // Internal: no error
		pinned  keys.Version
	}{
		{"broker codes, current version", broker, "nkr", 0, session.Code, apierr.Internal, 2},
		{"broker codes, pinned version", broker, "nkr", 1, session.Code, apierr.Internal, 1},
		{"broker registers", broker, "nkr", 0, session.Register, apierr.Internal, 2},
		{"broker may receive what it codes", broker, "nkr", 0, session.Receive, apierr.Internal, 2},
		{"recipient receives an old version", registryActor, "nkr", 1, session.Receive, apierr.Internal, 1},
		{"recipient may not code", registryActor, "nkr", 0, session.Code, apierr.PermissionDenied, 0},
		{"recipient may not register", registryActor, "nkr", 0, session.Register, apierr.PermissionDenied, 0},
		{"stranger may not receive", operator, "nkr", 0, session.Receive, apierr.PermissionDenied, 0},
		{"unknown domain looks forbidden", broker, "nope", 0, session.Code, apierr.PermissionDenied, 0},
		{"no domain", broker, "", 0, session.Code, apierr.InvalidArgument, 0},
		{"version that does not exist", broker, "nkr", 3, session.Code, apierr.InvalidArgument, 0},
		{"evaluate needs an OPRF domain", broker, "nkr", 0, session.Evaluate, apierr.FailedPrecondition, 0},
		{"evaluate in an OPRF domain", broker, "obl", 0, session.Evaluate, apierr.Internal, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := session.Open(reg, tc.who, tc.domain, tc.version, tc.purpose)
			if tc.kind != apierr.Internal {
				if apierr.KindOf(err) != tc.kind {
					t.Fatalf("Open = %v; want %v", err, tc.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.KeyVersion() != tc.pinned || s.Pseudonymizer().Version() != tc.pinned {
				t.Fatalf("pinned version %d; want %d", s.KeyVersion(), tc.pinned)
			}
			rec := s.AuditRecord("Test")
			if rec.Principal != tc.who.Principal || rec.Domain != tc.domain || rec.KeyVersion != uint32(tc.pinned) {
				t.Fatalf("audit record %+v", rec)
			}
		})
	}
}

// TestPinnedAcrossRotation: a session keeps its version when the domain is
// rotated meanwhile, and a later message may repeat the domain, not change it.
func TestPinnedAcrossRotation(t *testing.T) {
	reg := registry(t)
	s, err := session.Open(reg, broker, "nkr", 0, session.Code)
	if err != nil {
		t.Fatal(err)
	}
	before := s.Pseudonymizer().Pseudonym("bsn", "123456782")
	if _, err := reg.Rotate(ctx, operator, "nkr"); err != nil {
		t.Fatal(err)
	}
	if s.KeyVersion() != 2 || s.Pseudonymizer().Pseudonym("bsn", "123456782") != before {
		t.Fatal("a rotation changed an open session's key")
	}
	if err := s.SameDomain(""); err != nil {
		t.Fatal(err)
	}
	if err := s.SameDomain("nkr"); err != nil {
		t.Fatal(err)
	}
	if err := s.SameDomain("obl"); apierr.KindOf(err) != apierr.InvalidArgument {
		t.Fatalf("changing the domain mid-stream: %v", err)
	}
}
