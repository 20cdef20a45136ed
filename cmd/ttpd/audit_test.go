package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/server/store"
)

// auditedFixture is a fixture whose audit log holds three records (three
// domains created), its server stopped.
func auditedFixture(t *testing.T, b servertest.Backend) *servertest.Fixture {
	t.Helper()
	f := servertest.NewFixture(t, servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}})
	f.UseBackend(t, b)
	t.Run("three records", func(t *testing.T) {
		admin := ttpv1.NewAdminServiceClient(f.Start(t).Dial(t, "operator"))
		for _, name := range []string{"a", "b", "c"} {
			if _, err := admin.CreateDomain(context.Background(), &ttpv1.CreateDomainRequest{Name: name}); err != nil {
				t.Fatal(err)
			}
		}
	})
	return f
}

// openFixtureStore opens a fixture's store as someone with the KEK and the
// store would: through the store's own code. It is closed when fn returns.
func openFixtureStore(t *testing.T, f *servertest.Fixture, fn func(store.Store)) {
	t.Helper()
	kek, err := keys.LoadKEKFile(f.Config.KEKFile)
	if err != nil {
		t.Fatal(err)
	}
	st, err := server.OpenStore(context.Background(), f.Config, kek, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fn(st)
}

// records reads the audit log's entries.
func auditEntries(t *testing.T, st store.Store) []store.AuditEntry {
	t.Helper()
	var es []store.AuditEntry
	err := st.View(context.Background(), func(tx store.Tx) error {
		return tx.Audit().Scan(1, func(e store.AuditEntry) error {
			es = append(es, e)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// forged is a record that chains to prev as ttpd's would.
func forged(t *testing.T, seq uint64, prev []byte, principal string) []byte {
	t.Helper()
	var rec audit.Record
	if err := json.Unmarshal(prev, &rec); err != nil {
		t.Fatal(err)
	}
	rec.Seq, rec.Principal, rec.Prev = seq, principal, sha256Hex(prev)
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// ttpd verifies the audit log when it starts, and does not start on a
// broken one, however it was broken; -verify-audit says the same.
func TestStartRefusesBrokenAuditLog(t *testing.T) {
	type tampering struct {
		name   string
		tamper func(t *testing.T, f *servertest.Fixture)
	}
	// A record appended behind ttpd's back, chained to the last as ttpd
	// would chain it (so the hash chain alone passes), without the tree.
	appended := tampering{"a record appended behind ttpd's back", func(t *testing.T, f *servertest.Fixture) {
		openFixtureStore(t, f, func(st store.Store) {
			es := auditEntries(t, st)
			last := es[len(es)-1]
			err := st.Update(context.Background(), func(tx store.Tx) error {
				return tx.Audit().Append(store.AuditEntry{Seq: last.Seq + 1, Data: forged(t, last.Seq+1, last.Data, "mallory")})
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}}
	// Record 2 rewritten in the database and the chain after it redone.
	rewritten := tampering{"a record rewritten and the chain redone", func(t *testing.T, f *servertest.Fixture) {
		var es []store.AuditEntry
		openFixtureStore(t, f, func(st store.Store) { es = auditEntries(t, st) })
		var rec audit.Record
		if err := json.Unmarshal(es[1].Data, &rec); err != nil {
			t.Fatal(err)
		}
		rec.Principal = "someone else"
		es[1].Data, _ = json.Marshal(rec)
		for i := 2; i < len(es); i++ {
			es[i].Data = forged(t, es[i].Seq, es[i-1].Data, "operator")
		}
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, f.Config.StoreURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		for _, e := range es[1:] {
			if _, err := conn.Exec(ctx, `UPDATE audit_log SET data = $2 WHERE seq = $1`, int64(e.Seq), e.Data); err != nil {
				t.Fatal(err)
			}
		}
	}}
	for _, b := range servertest.Backends {
		cases := []tampering{appended}
		if b == servertest.Postgres {
			cases = append(cases, rewritten)
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%s", b, c.name), func(t *testing.T) {
				f := auditedFixture(t, b)
				c.tamper(t, f)
				srv, err := server.New(f.Config, slog.New(slog.NewTextHandler(io.Discard, nil)))
				if err == nil {
					srv.Serve(canceled(), 0)
					t.Fatal("ttpd started on a broken audit log")
				}
				if !strings.Contains(err.Error(), "audit log broken") || !strings.Contains(err.Error(), "does not start") {
					t.Fatalf("start: %v; want it refused for the broken audit log", err)
				}
				err = verify(f.Config, slog.New(slog.NewTextHandler(io.Discard, nil)))
				if err == nil || !strings.Contains(err.Error(), "does NOT verify") {
					t.Fatalf("-verify-audit: %v; want it to report the broken log", err)
				}
			})
		}
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
