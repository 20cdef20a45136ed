package server_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/reidanswer"
	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
)

// TestReidentification: a registry asks for one of its persons to be
// re-identified. It takes two distinct committee members; each supplying
// hospital then gets its own patient number, and nothing of the other's;
// a hospital with no record of the person gets nothing; the registry
// never receives a patient number.
func TestReidentification(t *testing.T) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "hospital2", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "hospital3", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}},
		servertest.Principal{Name: "committee", Roles: []authz.Role{authz.Committee}},
		servertest.Principal{Name: "committee2", Roles: []authz.Role{authz.Committee}})
	f.Config.ReidKeyFile, f.Config.ReidDomains = filepath.Join(f.Dir, "reid.key"), []string{"nkr"}
	if err := keys.WriteNewKEKFile(f.Config.ReidKeyFile, rand.Reader); err != nil {
		t.Fatal(err)
	}
	if err := f.Config.Write(f.ConfigPath); err != nil {
		t.Fatal(err)
	}
	s := f.Start(t)
	ctx := context.Background()
	admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
	if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: "nkr", Brokers: []string{"hospital", "hospital2", "hospital3"}, Recipients: []string{"registry"}}); err != nil {
		t.Fatal(err)
	}
	private := map[string]*seal.PrivateKey{}
	for _, h := range []string{"hospital", "hospital2", "hospital3"} {
		k, err := seal.GenerateKey(seal.X25519)
		if err != nil {
			t.Fatal(err)
		}
		private[h] = k
		if _, err := admin.RegisterRecipientKey(ctx, &ttpv1.RegisterRecipientKeyRequest{Name: h, PublicKey: k.Public().Encode()}); err != nil {
			t.Fatal(err)
		}
	}
	jan := rec("1", "06000001", "A0001", "111222333", "van der Berg", "Jan Pieter", "1956-03-14", "M", "1234 AB", "12")
	janAt2 := rec("1", "06000002", "77-123", "111222333", "Berg, van der", "Jan Pieter", "14-03-1956", "M", "1234ab", "12")
	anna := rec("1", "06000003", "Z9", "", "Jansen", "Anna", "1961-02-02", "V", "2345 BC", "3")
	person := mustRegister(t, s.Dial(t, "hospital"), "nkr", linkFields, jan)[0].PersonPseudonym
	mustRegister(t, s.Dial(t, "hospital2"), "nkr", linkFields, janAt2)
	mustRegister(t, s.Dial(t, "hospital3"), "nkr", linkFields, anna)

	registry := ttpv1.NewDeliveryServiceClient(s.Dial(t, "registry"))
	created, err := registry.CreateReidRequest(ctx, &ttpv1.CreateReidRequestRequest{Domain: "nkr", Reason: "a new treatment", PersonPseudonyms: []string{person}})
	if err != nil {
		t.Fatal(err)
	}
	id := created.Request.Id
	if created.Request.State != "submitted" || created.Request.ApprovalsRequired != 2 {
		t.Fatalf("request %v; want submitted, two approvals", created.Request)
	}
	fetch := func(who string) ([]string, error) {
		resp, err := ttpv1.NewDeliveryServiceClient(s.Dial(t, who)).GetReidAnswers(ctx, &ttpv1.GetReidAnswersRequest{Id: id})
		if err != nil {
			return nil, err
		}
		return resp.SealedAnswers, nil
	}
	approve := func(who string) (*ttpv1.ApproveLinkageRequestResponse, error) {
		return ttpv1.NewDeliveryServiceClient(s.Dial(t, who)).ApproveLinkageRequest(ctx, &ttpv1.ApproveLinkageRequestRequest{Id: id})
	}
	if _, err := approve("committee"); err != nil {
		t.Fatal(err)
	}
	if _, err := fetch("hospital"); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("a fetch after one approval: %v; want FailedPrecondition", err)
	}
	if _, err := approve("committee"); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("the same member again: %v", err)
	}
	if resp, err := approve("committee2"); err != nil || resp.Request.State != "approved" {
		t.Fatalf("second approval: %v %v", resp, err)
	}
	for h, want := range map[string]reidanswer.Patient{
		"hospital":  {AGB: "06000001", PatientNumber: "A0001"},
		"hospital2": {AGB: "06000002", PatientNumber: "77-123"},
	} {
		answers, err := fetch(h)
		if err != nil || len(answers) != 1 {
			t.Fatalf("%s's answers: %v %v", h, answers, err)
		}
		raw, err := seal.Open(private[h], reidanswer.Info(id), answers[0])
		if err != nil {
			t.Fatal(err)
		}
		var ans reidanswer.Answer
		if err := json.Unmarshal(raw, &ans); err != nil {
			t.Fatal(err)
		}
		if ans.Request != id || ans.Reason != "a new treatment" || len(ans.Patients) != 1 || ans.Patients[0] != want {
			t.Fatalf("%s's answer: %+v; want its own patient %+v only", h, ans, want)
		}
		// Another hospital's key does not open it.
		other := map[string]string{"hospital": "hospital2", "hospital2": "hospital"}[h]
		if _, err := seal.Open(private[other], reidanswer.Info(id), answers[0]); err == nil {
			t.Fatalf("%s opened %s's answer", other, h)
		}
	}
	if _, err := fetch("hospital3"); status.Code(err) != codes.NotFound {
		t.Fatalf("a hospital with no record of the person: %v; want NotFound", err)
	}
	if _, err := registry.GetReidAnswers(ctx, &ttpv1.GetReidAnswersRequest{Id: id}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("the registry fetching answers: %v; want PermissionDenied", err)
	}
	shown, err := registry.GetLinkageRequest(ctx, &ttpv1.GetLinkageRequestRequest{Id: id})
	if err != nil || shown.Request.Kind != "reid" || shown.Request.State != "delivered" {
		t.Fatalf("the registry sees %v, %v", shown, err)
	}
}
