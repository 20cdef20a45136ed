package server_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
)

var linkFields = []string{"agb", "patient_number", "bsn", "family_name", "given_names", "birth_date", "sex", "postcode", "house_number"}

func register(t *testing.T, cc grpc.ClientConnInterface, domain string, fields []string, source string, records ...*ttpv1.Record) (*ttpv1.RegisterResponse, error) {
	t.Helper()
	return ttpv1.NewLinkageServiceClient(cc).Register(context.Background(),
		&ttpv1.RegisterRequest{Domain: domain, Fields: fields, Source: source, Records: records})
}

func mustRegister(t *testing.T, cc grpc.ClientConnInterface, domain string, fields []string, records ...*ttpv1.Record) []*ttpv1.LinkedRecord {
	t.Helper()
	resp, err := register(t, cc, domain, fields, "", records...)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Records) != len(records) {
		t.Fatalf("%d results for %d records", len(resp.Records), len(records))
	}
	return resp.Records
}

func rec(key string, values ...string) *ttpv1.Record {
	return &ttpv1.Record{RowKey: key, Values: values}
}

// TestLinkageEndToEnd registers records through a real server and checks the
// person pseudonyms, the problems, access, and a review item resolved as a
// match, through to the change recipients fetch. (The broker is never told
// the decisions; TestBrokerSeesNoDecision.)
func TestLinkageEndToEnd(t *testing.T) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "other-broker", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}})
	s := f.Start(t)
	ctx := context.Background()
	admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
	for _, d := range []string{"nkr", "nhr"} {
		if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: d, Brokers: []string{"hospital"}, Recipients: []string{"registry"}}); err != nil {
			t.Fatal(err)
		}
	}
	hospital := s.Dial(t, "hospital")

	// One person at two institutions, written differently.
	a := rec("1", "06000001", "A0001", "111222333", "van der Berg", "Jan Pieter", "1956-03-14", "M", "1234 AB", "12")
	b := rec("2", "06000002", "77-123", "111 222 333", "Berg, van der", "JAN PIETER", "14-03-1956", "man", "1234ab", "12")
	got := mustRegister(t, hospital, "nkr", linkFields, a, b)
	person := got[0].PersonPseudonym
	if person == "" || got[1].PersonPseudonym != person {
		t.Fatalf("person pseudonyms %q and %q; want one", person, got[1].PersonPseudonym)
	}
	if got[0].RowKey != "1" || got[1].RowKey != "2" {
		t.Fatalf("row keys %q %q", got[0].RowKey, got[1].RowKey)
	}

	// Another domain: the same person, another pseudonym.
	other := mustRegister(t, hospital, "nhr", linkFields, a)
	if other[0].PersonPseudonym == "" || other[0].PersonPseudonym == person {
		t.Fatalf("in nhr: %q; want a pseudonym other than nkr's %q", other[0].PersonPseudonym, person)
	}

	// The same source record again: known, same pseudonym.
	again := mustRegister(t, hospital, "nkr", linkFields, b)
	if again[0].PersonPseudonym != person {
		t.Fatalf("again: %q; want %q", again[0].PersonPseudonym, person)
	}

	// A bad BSN degrades the field, not the record: a W-code, a pseudonym.
	degraded := mustRegister(t, hospital, "nkr", linkFields,
		rec("3", "06000001", "A0002", "123456789", "Bakker", "Kees", "1970-01-01", "M", "2011 AA", "7"))[0]
	if degraded.Rejected || degraded.PersonPseudonym == "" {
		t.Fatalf("bad BSN: %+v; want accepted", degraded)
	}
	if len(degraded.Problems) != 1 || degraded.Problems[0].Code != "W-102" || degraded.Problems[0].Field != "bsn" {
		t.Fatalf("bad BSN problems %v; want W-102 on bsn", degraded.Problems)
	}
	// A bad BSN and too little else rejects the record: F-code, no pseudonym.
	bad := mustRegister(t, hospital, "nkr", linkFields,
		rec("4", "06000001", "A0003", "123456789", "", "", "1970-01-01", "M", "", ""))[0]
	if !bad.Rejected || bad.PersonPseudonym != "" {
		t.Fatalf("bad BSN and a birth date: %+v; want rejected without pseudonym", bad)
	}
	if !slices.ContainsFunc(bad.Problems, func(p *ttpv1.Problem) bool { return p.Code == "F-904" }) {
		t.Fatalf("bad BSN and a birth date: problems %v; want F-904", bad.Problems)
	}

	// A broker not listed on the domain.
	_, err := register(t, s.Dial(t, "other-broker"), "nkr", linkFields, "", a)
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("unlisted broker: %v; want PermissionDenied", err)
	}
	// Records that cannot be identified: no agb/patient_number, no source.
	nameOnly := []string{"family_name", "given_names", "birth_date"}
	if _, err := register(t, hospital, "nkr", nameOnly, "", rec("1", "Jansen", "Piet", "1960-01-01")); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("no source: %v; want InvalidArgument", err)
	}
	// With a source they can be.
	if r, err := register(t, hospital, "nkr", nameOnly, "lab-x", rec("1", "Jansen", "Piet", "1960-01-01")); err != nil || r.Records[0].PersonPseudonym == "" {
		t.Fatalf("with a source: %v %v", r, err)
	}

	// Two records that agree on surname, birth date and postcode but not on
	// the given name, without BSN: the guard sends the second to review.
	reviewFields := []string{"agb", "patient_number", "family_name", "given_names", "birth_date", "sex", "postcode"}
	first := mustRegister(t, hospital, "nkr", reviewFields, rec("1", "06000001", "R-1", "Hoogeveld", "Maria", "1948-07-21", "V", "9712 GP"))[0]
	second := mustRegister(t, hospital, "nkr", reviewFields, rec("1", "06000002", "R-2", "Hoogeveld", "Johanna", "1948-07-21", "V", "9712 GP"))[0]
	if second.PersonPseudonym == first.PersonPseudonym {
		t.Fatalf("second: %q (first %q); want a new person", second.PersonPseudonym, first.PersonPseudonym)
	}
	list, err := admin.ListReviewItems(ctx, &ttpv1.ListReviewItemsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Fatalf("%d review items; want 1: %v", len(list.Items), list.Items)
	}
	item := list.Items[0]
	want := map[string]string{"family_name": "exact", "given_name": "disagree", "birth_date": "exact", "postcode": "exact", "bsn": "missing"}
	for k, v := range want {
		if item.Comparison[k] != v {
			t.Errorf("comparison %s = %q; want %q (all: %v)", k, item.Comparison[k], v, item.Comparison)
		}
	}
	if _, err := admin.ResolveReviewItem(ctx, &ttpv1.ResolveReviewItemRequest{Id: item.Id, Match: true}); err != nil {
		t.Fatal(err)
	}
	changes, err := ttpv1.NewLinkageServiceClient(s.Dial(t, "registry")).ListPersonChanges(ctx, &ttpv1.ListPersonChangesRequest{Domain: "nkr"})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes.Changes) != 1 {
		t.Fatalf("%d changes; want 1: %v", len(changes.Changes), changes.Changes)
	}
	c := changes.Changes[0]
	if c.Kind != ttpv1.PersonChangeKind_PERSON_CHANGE_KIND_MERGE || c.FromPerson != second.PersonPseudonym || c.ToPerson != first.PersonPseudonym || c.Sequence != 1 {
		t.Fatalf("change %v; want merge %s → %s", c, second.PersonPseudonym, first.PersonPseudonym)
	}
	// The merged-away person's record now answers with the survivor.
	merged := mustRegister(t, hospital, "nkr", reviewFields, rec("1", "06000002", "R-2", "Hoogeveld", "Johanna", "1948-07-21", "V", "9712 GP"))[0]
	if merged.PersonPseudonym != first.PersonPseudonym {
		t.Fatalf("after merge: %q; want %q", merged.PersonPseudonym, first.PersonPseudonym)
	}
	// The item is closed.
	if _, err := admin.ResolveReviewItem(ctx, &ttpv1.ResolveReviewItemRequest{Id: item.Id, Match: false}); status.Code(err) != codes.NotFound {
		t.Fatalf("resolve again: %v; want NotFound", err)
	}
	if list, err := admin.ListReviewItems(ctx, &ttpv1.ListReviewItemsRequest{}); err != nil || len(list.Items) != 0 {
		t.Fatalf("after resolving: %v %v; want no items", list, err)
	}
}

// TestEmptyPatientNumberIsNoSource is the regression test for a wrong-person
// link: with agb and patient_number mapped, a row whose patient number was
// empty was named ":<row key>", the same name for every caller's row with
// that key, so hospital B's row 2 (Bakker, another BSN) came back known as
// hospital A's row-2 person (Jansen). Such a row cannot be named: it is
// refused with F-506 and changes nothing; with a source name it is a
// record of its own.
func TestEmptyPatientNumberIsNoSource(t *testing.T) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}})
	s := f.Start(t)
	ctx := context.Background()
	admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
	if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: "nkr", Brokers: []string{"hospital"}}); err != nil {
		t.Fatal(err)
	}
	hospital := s.Dial(t, "hospital")
	fields := []string{"agb", "patient_number", "bsn", "family_name", "birth_date"}
	jansen := mustRegister(t, hospital, "nkr", fields, rec("2", "06000001", "", "123456782", "Jansen", "1960-01-01"))[0]
	bakker := mustRegister(t, hospital, "nkr", fields, rec("2", "06000002", "", "111222333", "Bakker", "1971-05-05"))[0]
	for name, r := range map[string]*ttpv1.LinkedRecord{"Jansen": jansen, "Bakker": bakker} {
		if !r.Rejected || r.PersonPseudonym != "" {
			t.Fatalf("%s without a patient number: %v; want rejected, no person", name, r)
		}
		if len(r.Problems) == 0 || r.Problems[len(r.Problems)-1].Code != "F-506" {
			t.Fatalf("%s: problems %v; want F-506", name, r.Problems)
		}
	}
	// With a source name each is a record of its own: two persons.
	resp, err := register(t, hospital, "nkr", fields, "export-a", rec("2", "06000001", "", "123456782", "Jansen", "1960-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	resp2, err := register(t, hospital, "nkr", fields, "export-b", rec("2", "06000002", "", "111222333", "Bakker", "1971-05-05"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := resp.Records[0], resp2.Records[0]
	if a.Rejected || b.Rejected || a.PersonPseudonym == b.PersonPseudonym {
		t.Fatalf("Jansen %s, Bakker %s; want two persons", a.PersonPseudonym, b.PersonPseudonym)
	}
}
