package server_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
)

// TestSplitRecord undoes a link: the record becomes a person of its own,
// the split is logged for recipients, and the other record keeps its person.
func TestSplitRecord(t *testing.T) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}})
	s := f.Start(t)
	ctx := context.Background()
	admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
	if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: "nkr", Brokers: []string{"hospital"}, Recipients: []string{"registry"}}); err != nil {
		t.Fatal(err)
	}
	hospital := s.Dial(t, "hospital")
	a := rec("1", "06000001", "A0001", "111222333", "van der Berg", "Jan Pieter", "1956-03-14", "M", "1234 AB", "12")
	b := rec("2", "06000002", "77-123", "111222333", "Berg, van der", "Jan Pieter", "14-03-1956", "M", "1234ab", "12")
	got := mustRegister(t, hospital, "nkr", linkFields, a, b)
	if got[0].PersonPseudonym != got[1].PersonPseudonym {
		t.Fatal("the two records should have been linked")
	}
	person := got[0].PersonPseudonym

	// The operator names the record as the hospital knows it (layout free).
	resp, err := admin.SplitRecord(ctx, &ttpv1.SplitRecordRequest{Organisation: "org of hospital", Agb: "0600 0002", PatientNumber: "77-123"})
	if err != nil {
		t.Fatal(err)
	}
	again := mustRegister(t, hospital, "nkr", linkFields, a, b)
	if again[0].PersonPseudonym != person {
		t.Fatalf("the record not split changed person: %s, was %s", again[0].PersonPseudonym, person)
	}
	if again[1].PersonPseudonym == person {
		t.Fatalf("the split record: %s; want a new person", again[1].PersonPseudonym)
	}
	changes, err := ttpv1.NewLinkageServiceClient(s.Dial(t, "registry")).ListPersonChanges(ctx, &ttpv1.ListPersonChangesRequest{Domain: "nkr"})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes.Changes) != 1 {
		t.Fatalf("%d changes, want the split", len(changes.Changes))
	}
	c := changes.Changes[0]
	if c.Kind != ttpv1.PersonChangeKind_PERSON_CHANGE_KIND_SPLIT || c.FromPerson != person || c.ToPerson != again[1].PersonPseudonym || c.Sequence != resp.ChangeSequence {
		t.Fatalf("change %v; want a split from %s to %s", c, person, again[1].PersonPseudonym)
	}

	// After a rotation, a recipient that holds version 1 pseudonyms asks for
	// the changes in version 1 and can match them; by default they come in
	// the current version.
	if _, err := admin.RotateDomainKey(ctx, &ttpv1.RotateDomainKeyRequest{Name: "nkr"}); err != nil {
		t.Fatal(err)
	}
	registry := ttpv1.NewLinkageServiceClient(s.Dial(t, "registry"))
	v1, err := registry.ListPersonChanges(ctx, &ttpv1.ListPersonChangesRequest{Domain: "nkr", KeyVersion: 1})
	if err != nil || len(v1.Changes) != 1 || v1.Changes[0].FromPerson != person {
		t.Fatalf("changes in version 1: %v %v; want the split from %s", v1, err, person)
	}
	current, err := registry.ListPersonChanges(ctx, &ttpv1.ListPersonChangesRequest{Domain: "nkr"})
	if err != nil || len(current.Changes) != 1 || current.Changes[0].FromPerson == person || current.Changes[0].FromPerson[:3] != "v2." {
		t.Fatalf("changes in the current version: %v %v; want version 2 pseudonyms", current, err)
	}
	if _, err := registry.ListPersonChanges(ctx, &ttpv1.ListPersonChangesRequest{Domain: "nkr", KeyVersion: 3}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("changes in a version that does not exist: %v; want InvalidArgument", err)
	}

	// Splitting the person's only record, or an unknown record, is refused.
	for _, tc := range []struct {
		req  *ttpv1.SplitRecordRequest
		code codes.Code
	}{
		{&ttpv1.SplitRecordRequest{Organisation: "org of hospital", Agb: "06000002", PatientNumber: "77-123"}, codes.FailedPrecondition},
		{&ttpv1.SplitRecordRequest{Organisation: "org of hospital", Agb: "06000002", PatientNumber: "nope"}, codes.NotFound},
		// Another organisation's record of that number: there is none.
		{&ttpv1.SplitRecordRequest{Organisation: "org of registry", Agb: "06000001", PatientNumber: "A0001"}, codes.NotFound},
		{&ttpv1.SplitRecordRequest{Agb: "06000001", PatientNumber: "A0001"}, codes.InvalidArgument},
		{&ttpv1.SplitRecordRequest{}, codes.InvalidArgument},
	} {
		if _, err := admin.SplitRecord(ctx, tc.req); status.Code(err) != tc.code {
			t.Errorf("split %v: got %v, want %v", tc.req, err, tc.code)
		}
	}
}

// TestChangesOnlyOfTheDomain: a registry is told of the merges and splits of
// persons with records in its own domain, and of no others: a split in the
// cancer registry's domain does not reach the heart registry, until a
// record of that person is registered there too.
func TestChangesOnlyOfTheDomain(t *testing.T) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}},
		servertest.Principal{Name: "registry2", Roles: []authz.Role{authz.Registry}})
	s := f.Start(t)
	ctx := context.Background()
	admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
	for domain, recipient := range map[string]string{"nkr": "registry", "nhr": "registry2"} {
		if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: domain, Brokers: []string{"hospital"}, Recipients: []string{recipient}}); err != nil {
			t.Fatal(err)
		}
	}
	hospital := s.Dial(t, "hospital")
	a := rec("1", "06000001", "A0001", "111222333", "van der Berg", "Jan Pieter", "1956-03-14", "M", "1234 AB", "12")
	b := rec("2", "06000002", "77-123", "111222333", "Berg, van der", "Jan Pieter", "14-03-1956", "M", "1234ab", "12")
	// Another person, in nhr only.
	c := rec("3", "06000001", "A0003", "", "Jansen", "Anna", "1961-02-02", "V", "2345 BC", "3")
	mustRegister(t, hospital, "nkr", linkFields, a, b)
	mustRegister(t, hospital, "nhr", linkFields, c)
	if _, err := admin.SplitRecord(ctx, &ttpv1.SplitRecordRequest{Organisation: "org of hospital", Agb: "06000002", PatientNumber: "77-123"}); err != nil {
		t.Fatal(err)
	}
	count := func(who, domain string) int {
		resp, err := ttpv1.NewLinkageServiceClient(s.Dial(t, who)).ListPersonChanges(ctx, &ttpv1.ListPersonChangesRequest{Domain: domain})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.Changes)
	}
	if n := count("registry", "nkr"); n != 1 {
		t.Fatalf("the cancer registry sees %d changes, want the split", n)
	}
	if n := count("registry2", "nhr"); n != 0 {
		t.Fatalf("the heart registry sees %d changes of a person it has no record of, want 0", n)
	}
	// The same patient registered into nhr: from now on its changes are
	// the heart registry's business too.
	mustRegister(t, hospital, "nhr", linkFields, a)
	if n := count("registry2", "nhr"); n != 1 {
		t.Fatalf("the heart registry sees %d changes of a person it now holds, want 1", n)
	}
}
