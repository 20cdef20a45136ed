package servertest_test

import (
	"context"
	"slices"
	"testing"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/server/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// On each backend, a fixture's server keeps what it was told across a
// restart, the configuration file names the backend (for ttpd processes),
// and a snapshot restores the store as it was when it was taken.
func TestBackendsAndSnapshots(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(string(b), func(t *testing.T) {
			f := servertest.NewFixture(t, servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}})
			f.UseBackend(t, b)
			if f.Backend() != b {
				t.Fatalf("fixture on %s, want %s", f.Backend(), b)
			}
			onFile, err := config.Load(f.ConfigPath)
			if err != nil {
				t.Fatal(err)
			}
			if onFile.StoreURL != f.Config.StoreURL || onFile.StoreDir != f.Config.StoreDir {
				t.Fatalf("configuration file: store %q %q, fixture: %q %q", onFile.StoreURL, onFile.StoreDir, f.Config.StoreURL, f.Config.StoreDir)
			}

			createDomain(t, f, "one")
			snap := f.SnapshotStore(t)
			createDomain(t, f, "two")
			if got := listDomains(t, f); !slices.Equal(got, []string{"one", "two"}) {
				t.Fatalf("domains %v after a restart, want [one two]", got)
			}
			snap.Restore(t)
			if got := listDomains(t, f); !slices.Equal(got, []string{"one"}) {
				t.Fatalf("domains %v after Restore, want [one]", got)
			}
			// The snapshot itself is untouched by what the restored store
			// went through.
			createDomain(t, f, "three")
			snap.Restore(t)
			if got := listDomains(t, f); !slices.Equal(got, []string{"one"}) {
				t.Fatalf("domains %v after a second Restore, want [one]", got)
			}
		})
	}
}

// createDomain starts the fixture's server, creates a domain and stops the
// server again (it stops with the subtest).
func createDomain(t *testing.T, f *servertest.Fixture, name string) {
	t.Run("create "+name, func(t *testing.T) {
		admin := ttpv1.NewAdminServiceClient(f.Start(t).Dial(t, "operator"))
		if _, err := admin.CreateDomain(context.Background(), &ttpv1.CreateDomainRequest{Name: name}); err != nil {
			t.Fatal(err)
		}
	})
}

func listDomains(t *testing.T, f *servertest.Fixture) []string {
	var names []string
	t.Run("list", func(t *testing.T) {
		admin := ttpv1.NewAdminServiceClient(f.Start(t).Dial(t, "operator"))
		resp, err := admin.ListDomains(context.Background(), &ttpv1.ListDomainsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range resp.Domains {
			names = append(names, d.Name)
		}
	})
	return names
}
