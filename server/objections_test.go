package server_test

import (
	"context"
	"testing"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/server/store"
)

// TestObjection: a patient objects after two hospitals' records of them
// were linked. The person's other records are purged (the objection alone
// stays), its recipients are told, a later record of the patient from
// either hospital is refused with F-905; when the hospital that registered
// the objection withdraws it (and only that hospital can), records link
// again.
func TestObjection(t *testing.T) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "hospital2", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}})
	s := f.Start(t)
	ctx := context.Background()
	admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
	if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: "nkr", Brokers: []string{"hospital", "hospital2"}, Recipients: []string{"registry"}}); err != nil {
		t.Fatal(err)
	}
	hospital, hospital2 := s.Dial(t, "hospital"), s.Dial(t, "hospital2")
	jan := rec("1", "06000001", "A0001", "111222333", "van der Berg", "Jan Pieter", "1956-03-14", "M", "1234 AB", "12")
	anna := rec("2", "06000001", "A0002", "", "Jansen", "Anna", "1961-02-02", "V", "2345 BC", "3")
	janAt2 := rec("1", "06000002", "77-123", "111222333", "Berg, van der", "Jan Pieter", "14-03-1956", "M", "1234ab", "12")
	first := mustRegister(t, hospital, "nkr", linkFields, jan, anna)
	mustRegister(t, hospital2, "nkr", linkFields, janAt2)
	records := func() int64 {
		var n int64
		if err := s.Store().View(ctx, func(tx store.Tx) error {
			st, err := tx.Index().Stats()
			n = st.Records
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := records(); n != 3 {
		t.Fatalf("%d records before the objection", n)
	}
	object := func(who string, withdraw bool, r *ttpv1.Record) *ttpv1.ObjectionResult {
		t.Helper()
		req := &ttpv1.RegisterObjectionsRequest{Domain: "nkr", Fields: linkFields, Records: []*ttpv1.Record{r}, Withdraw: withdraw}
		if withdraw {
			req.Fields, req.Records = []string{"agb", "patient_number"}, []*ttpv1.Record{rec(r.RowKey, r.Values[0], r.Values[1])}
		}
		resp, err := ttpv1.NewLinkageServiceClient(s.Dial(t, who)).RegisterObjections(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Records[0]
	}
	if res := object("hospital", false, jan); !res.Done {
		t.Fatalf("objection: %v", res)
	}
	// Jan's record at hospital 2 is gone; the objection (hospital 1's
	// record) and Anna's stay.
	if n := records(); n != 2 {
		t.Fatalf("%d records after the objection, want 2", n)
	}
	registry := ttpv1.NewLinkageServiceClient(s.Dial(t, "registry"))
	changes, err := registry.ListPersonChanges(ctx, &ttpv1.ListPersonChangesRequest{Domain: "nkr"})
	if err != nil || len(changes.Changes) != 1 || changes.Changes[0].Kind != ttpv1.PersonChangeKind_PERSON_CHANGE_KIND_WITHDRAWN ||
		changes.Changes[0].FromPerson != first[0].PersonPseudonym {
		t.Fatalf("changes after the objection: %v %v", changes, err)
	}
	// Hospital 2 sends Jan again, hospital 1 too: refused, nothing stored.
	for _, c := range []struct {
		who string
		r   *ttpv1.Record
	}{{"hospital2", janAt2}, {"hospital", jan}} {
		resp, err := register(t, s.Dial(t, c.who), "nkr", linkFields, "", c.r)
		if err != nil {
			t.Fatal(err)
		}
		got := resp.Records[0]
		if !got.Rejected || got.PersonPseudonym != "" || len(got.Problems) == 0 || got.Problems[len(got.Problems)-1].Code != "F-905" {
			t.Fatalf("%s's record of an objecting patient: %v", c.who, got)
		}
	}
	if n := records(); n != 2 {
		t.Fatalf("%d records after refused records, want 2", n)
	}
	// Only the hospital that registered the objection withdraws it.
	if res := object("hospital2", true, jan); res.Done {
		t.Fatalf("hospital2 withdrew hospital 1's objection: %v", res)
	}
	if res := object("hospital", true, jan); !res.Done {
		t.Fatalf("withdrawing the objection: %v", res)
	}
	changes, err = registry.ListPersonChanges(ctx, &ttpv1.ListPersonChangesRequest{Domain: "nkr", AfterSequence: changes.Changes[0].Sequence})
	if err != nil || len(changes.Changes) != 1 || changes.Changes[0].Kind != ttpv1.PersonChangeKind_PERSON_CHANGE_KIND_REINSTATED {
		t.Fatalf("changes after the withdrawal: %v %v", changes, err)
	}
	if got := mustRegister(t, hospital2, "nkr", linkFields, janAt2); got[0].Rejected || got[0].PersonPseudonym != first[0].PersonPseudonym {
		t.Fatalf("Jan from hospital 2 after the objection's withdrawal: %v; want Jan's person again", got[0])
	}
}

// TestRefusedRecordJoinsNoDomain: a hospital that sends, through another
// domain, a record of a patient who objected gets F-905, and that
// domain's recipients are told nothing: not even that a person they never
// had was withdrawn.
func TestRefusedRecordJoinsNoDomain(t *testing.T) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}},
		servertest.Principal{Name: "registry2", Roles: []authz.Role{authz.Registry}})
	s := f.Start(t)
	ctx := context.Background()
	admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
	for name, recipient := range map[string]string{"nkr": "registry", "nhr": "registry2"} {
		if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: name, Brokers: []string{"hospital"}, Recipients: []string{recipient}}); err != nil {
			t.Fatal(err)
		}
	}
	hospital := s.Dial(t, "hospital")
	jan := rec("1", "06000001", "A0001", "111222333", "van der Berg", "Jan Pieter", "1956-03-14", "M", "1234 AB", "12")
	mustRegister(t, hospital, "nkr", linkFields, jan)
	resp, err := ttpv1.NewLinkageServiceClient(hospital).RegisterObjections(ctx, &ttpv1.RegisterObjectionsRequest{Domain: "nkr", Fields: linkFields, Records: []*ttpv1.Record{jan}})
	if err != nil || !resp.Records[0].Done {
		t.Fatalf("objection: %v %v", resp, err)
	}
	janAgain := rec("2", "06000001", "A0002", "111222333", "van der Berg", "Jan Pieter", "1956-03-14", "M", "1234 AB", "12")
	got, err := register(t, hospital, "nhr", linkFields, "", janAgain)
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Records[0]; !r.Rejected || r.Problems[len(r.Problems)-1].Code != "F-905" {
		t.Fatalf("a record of the objecting patient through nhr: %v", r)
	}
	changes, err := ttpv1.NewLinkageServiceClient(s.Dial(t, "registry2")).ListPersonChanges(ctx, &ttpv1.ListPersonChangesRequest{Domain: "nhr"})
	if err != nil || len(changes.Changes) != 0 {
		t.Fatalf("nhr's recipient was told of %v (%v); want nothing", changes.GetChanges(), err)
	}
}
