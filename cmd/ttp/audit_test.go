package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/server/store"
)

// The attack the audit log's checkpoints are for: someone with the store
// (and the KEK) puts back an older copy of it, which cuts records off the
// end of the log, and may then append records of their own through
// ttpd itself, so that the log is as long as before and its hash chain and
// tree are whole: ttpd starts on it, and -verify-audit passes. A committee
// member who kept a checkpoint before finds out with ttp audit verify.
func TestAuditVerifyDetectsTruncationAndRewrite(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(string(b), func(t *testing.T) {
			f := servertest.NewFixture(t,
				servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
				servertest.Principal{Name: "committee", Roles: []authz.Role{authz.Committee}},
			)
			f.UseBackend(t, b)
			kept := filepath.Join(t.TempDir(), "kept.txt")

			withServer(t, f, "one record", func(admin ttpv1.AdminServiceClient, _ []string) { createDomains(t, admin, "a") })
			backup := f.SnapshotStore(t) // the log of 1 record
			withServer(t, f, "checkpoint of three", func(admin ttpv1.AdminServiceClient, committee []string) {
				createDomains(t, admin, "b", "c")
				ttpOK(t, "audit", "checkpoint", "-o", kept, committee)
				ttpOK(t, "audit", "verify", "-checkpoint", kept, committee)
			})

			cases := []struct {
				name   string
				forged []string // domains the attacker creates after restoring
				want   string
			}{
				{"truncated", nil, "it has 1 records, fewer than the 3 of the checkpoint: records were removed"},
				{"rewritten", []string{"x", "y"}, "its first 3 records are not those of the checkpoint: records were changed or removed"},
				{"rewritten and grown", []string{"x", "y", "z", "w"}, "its first 3 records are not those of the checkpoint: records were changed or removed"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					backup.Restore(t)
					withServer(t, f, "tampered", func(admin ttpv1.AdminServiceClient, committee []string) {
						createDomains(t, admin, c.forged...)
						code, stdout, stderr := ttp("audit", "verify", "-checkpoint", kept, committee)
						if code != 1 || !strings.Contains(stderr, "NOT CONSISTENT with "+kept) || !strings.Contains(stderr, c.want) {
							t.Fatalf("ttp audit verify on a log %s after the checkpoint: exit %d\nstdout: %s\nstderr: %s\nwant exit 1, NOT CONSISTENT, %q", c.name, code, stdout, stderr, c.want)
						}
					})
					// The tampered log is whole by itself: only the checkpoint
					// shows what happened to it.
					st := openStore(t, f)
					defer st.Close()
					if n, err := audit.Verify(context.Background(), st); err != nil || n != uint64(1+len(c.forged)) {
						t.Fatalf("Verify of the tampered log: %d, %v; want it whole, %d records", n, err, 1+len(c.forged))
					}
				})
			}
		})
	}
}

// withServer runs fn against the fixture's server, which runs for fn
// only, with an Admin client as operator and the command-line flags that
// connect ttp as the committee.
func withServer(t *testing.T, f *servertest.Fixture, name string, fn func(admin ttpv1.AdminServiceClient, committee []string)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		s := f.Start(t)
		c := f.Settings("committee", s.Addr())
		fn(ttpv1.NewAdminServiceClient(s.Dial(t, "operator")),
			[]string{"-server", c.Server, "-ca", c.CA, "-cert", c.Cert, "-key", c.Key, "-verifier-key", c.AuditKey})
	})
}

func createDomains(t *testing.T, admin ttpv1.AdminServiceClient, names ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range names {
		if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
}

// ttp runs the ttp command in this process with args, and then flags.
func ttp(args ...any) (code int, stdout, stderr string) {
	var argv []string
	for _, a := range args {
		switch a := a.(type) {
		case string:
			argv = append(argv, a)
		case []string:
			argv = append(argv, a...)
		}
	}
	var out, errOut bytes.Buffer
	code = commands.execute(context.Background(), nil, argv, &out, &errOut)
	return code, out.String(), errOut.String()
}

func ttpOK(t *testing.T, args ...any) string {
	t.Helper()
	code, stdout, stderr := ttp(args...)
	if code != 0 {
		t.Fatalf("ttp %v: exit %d\n%s%s", args, code, stdout, stderr)
	}
	return stdout
}

// openStore opens the fixture's store (its server stopped) as ttpd does.
func openStore(t *testing.T, f *servertest.Fixture) store.Store {
	t.Helper()
	kek, err := keys.LoadKEKFile(f.Config.KEKFile)
	if err != nil {
		t.Fatal(err)
	}
	st, err := server.OpenStore(context.Background(), f.Config, kek, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return st
}
