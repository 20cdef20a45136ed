package server_test

import (
	"context"
	"testing"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
)

// TestWithdrawRecords: a hospital withdraws its own records, never another
// organisation's. A person left without records is withdrawn and its
// recipients told; a person with records elsewhere stays. The same source
// registered again afterwards is a new record (a correction is a new
// version). (Conversions of a withdrawn person: delivery.txtar.)
func TestWithdrawRecords(t *testing.T) {
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
	if got := mustRegister(t, hospital2, "nkr", linkFields, janAt2); got[0].PersonPseudonym != first[0].PersonPseudonym {
		t.Fatal("Jan's records at two hospitals should be one person")
	}

	withdraw := func(cc *servertest.Server, who string, numbers ...string) *ttpv1.WithdrawRecordsResponse {
		t.Helper()
		req := &ttpv1.WithdrawRecordsRequest{Domain: "nkr", Fields: []string{"agb", "patient_number"}}
		for i, n := range numbers {
			req.Records = append(req.Records, rec(string(rune('1'+i)), "06000001", n))
		}
		resp, err := ttpv1.NewLinkageServiceClient(cc.Dial(t, who)).WithdrawRecords(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	// hospital2 names hospital 1's patient numbers: nothing of its own.
	if resp := withdraw(s, "hospital2", "A0001", "A0002"); resp.Records[0].Withdrawn || resp.Records[1].Withdrawn {
		t.Fatalf("hospital2 withdrew another organisation's records: %v", resp)
	}
	resp := withdraw(s, "hospital", "A0001", "A0002", "A0099")
	if !resp.Records[0].Withdrawn || !resp.Records[1].Withdrawn || resp.Records[2].Withdrawn {
		t.Fatalf("withdrawn: %v; want A0001 and A0002, not A0099", resp)
	}

	changes, err := ttpv1.NewLinkageServiceClient(s.Dial(t, "registry")).ListPersonChanges(ctx, &ttpv1.ListPersonChangesRequest{Domain: "nkr"})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes.Changes) != 1 || changes.Changes[0].Kind != ttpv1.PersonChangeKind_PERSON_CHANGE_KIND_WITHDRAWN ||
		changes.Changes[0].FromPerson != first[1].PersonPseudonym || changes.Changes[0].ToPerson != "" {
		t.Fatalf("changes %v; want Anna withdrawn (Jan keeps hospital 2's record)", changes.Changes)
	}
	// Jan's person lives on through hospital 2's record; Anna registered
	// again (a corrected record) is a new person.
	again := mustRegister(t, hospital, "nkr", linkFields, jan, anna)
	if again[0].PersonPseudonym != first[0].PersonPseudonym {
		t.Errorf("Jan registered again: %s, want %s (hospital 2's record is still there)", again[0].PersonPseudonym, first[0].PersonPseudonym)
	}
	if again[1].PersonPseudonym == first[1].PersonPseudonym {
		t.Errorf("Anna registered again has the withdrawn person's pseudonym")
	}
}
