package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/client/qualityreport"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/servertest"
)

// twoHospitals is a server with an operator, two brokers of two
// organisations ("org of hospital", "org of hospital2") and a registry, and
// a domain nkr both brokers may register into. edit, if not nil, changes
// the configuration first.
func twoHospitals(t *testing.T, edit func(*config.Config)) (s *servertest.Server, admin ttpv1.AdminServiceClient, hospital, hospital2 *grpc.ClientConn) {
	t.Helper()
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "hospital2", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}})
	f.Config.MetricsListen = "127.0.0.1:0"
	if edit != nil {
		edit(f.Config)
	}
	s = f.Start(t)
	admin = ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
	_, err := admin.CreateDomain(context.Background(), &ttpv1.CreateDomainRequest{Name: "nkr", Brokers: []string{"hospital", "hospital2"}, Recipients: []string{"registry"}})
	if err != nil {
		t.Fatal(err)
	}
	return s, admin, s.Dial(t, "hospital"), s.Dial(t, "hospital2")
}

// TestPlanting: a broker registers another hospital's AGB code and patient
// number as a made-up person before that hospital does. The hospital's real
// patient must not come back as the made-up person (planting), and must not
// be refused or flagged either (which would tell the planter the number is
// in use).
func TestPlanting(t *testing.T) {
	_, _, hospital, hospital2 := twoHospitals(t, nil)
	fake := mustRegister(t, hospital2, "nkr", linkFields,
		rec("1", "06000001", "55555", "", "Fake", "Piet", "1970-01-01", "M", "9999 ZZ", "1"))[0]
	real := mustRegister(t, hospital, "nkr", linkFields,
		rec("1", "06000001", "55555", "111222333", "van der Berg", "Jan Pieter", "1956-03-14", "M", "1234 AB", "12"))[0]
	if fake.Rejected || real.Rejected {
		t.Fatalf("fake %v, real %v; want both accepted", fake.Problems, real.Problems)
	}
	if real.PersonPseudonym == fake.PersonPseudonym {
		t.Fatal("hospital 1's patient came back as the person planted under its patient number by another organisation")
	}
	// The planter, sending its record again, still gets its own person:
	// it cannot tell that hospital 1 registered that number meanwhile.
	again := mustRegister(t, hospital2, "nkr", linkFields,
		rec("1", "06000001", "55555", "", "Fake", "Piet", "1970-01-01", "M", "9999 ZZ", "1"))[0]
	if again.PersonPseudonym != fake.PersonPseudonym {
		t.Fatal("the planter's own record changed person")
	}
}

// TestPlantingRefusedByAGBList: with the organisations' AGB codes in the
// configuration, a broker cannot register under another institution's AGB
// code at all (F-507).
func TestPlantingRefusedByAGBList(t *testing.T) {
	_, _, hospital, hospital2 := twoHospitals(t, func(c *config.Config) {
		c.Organisations = []config.Organisation{
			{Name: "org of hospital", AGBCodes: []string{"06000001"}},
			{Name: "org of hospital2", AGBCodes: []string{"06000002"}},
		}
	})
	planted := mustRegister(t, hospital2, "nkr", linkFields,
		rec("1", "06000001", "55555", "", "Fake", "Piet", "1970-01-01", "M", "9999 ZZ", "1"))[0]
	if !planted.Rejected || planted.PersonPseudonym != "" || len(planted.Problems) == 0 || planted.Problems[len(planted.Problems)-1].Code != "F-507" || planted.Problems[len(planted.Problems)-1].Field != "agb" {
		t.Fatalf("another institution's AGB: %v; want rejected with F-507 on agb", planted)
	}
	for _, c := range []struct {
		cc  *grpc.ClientConn
		agb string
	}{{hospital, "06000001"}, {hospital2, "06000002"}} {
		if r := mustRegister(t, c.cc, "nkr", linkFields, rec("1", c.agb, "1", "", "Jansen", "Piet", "1970-01-01", "M", "9999 ZZ", "1"))[0]; r.Rejected {
			t.Fatalf("own AGB %s refused: %v", c.agb, r.Problems)
		}
	}
}

// TestSharedSourceName: two brokers that both name their file "export"
// (ttp link -source export) and have different patients on row 1 get two
// persons, not each other's.
func TestSharedSourceName(t *testing.T) {
	_, _, hospital, hospital2 := twoHospitals(t, nil)
	mapping, err := client.ParseMappings("family_name=naam,given_names=voornaam,birth_date=geboortedatum,postcode=postcode")
	if err != nil {
		t.Fatal(err)
	}
	link := func(cc *grpc.ClientConn, file string) (pseudonym string, report string) {
		t.Helper()
		rep, err := client.NewReport()
		if err != nil {
			t.Fatal(err)
		}
		defer rep.Close()
		var out bytes.Buffer
		opts := client.FileOptions{Domain: "nkr", Mappings: mapping, Source: "export"}
		sum, err := client.LinkFile(context.Background(), cc, opts, strings.NewReader(file), &out, rep)
		if err != nil || sum.Accepted != 1 {
			t.Fatalf("link: %v, %+v", err, sum)
		}
		path := filepath.Join(t.TempDir(), "report.csv")
		if err := qualityreport.Write(path, qualityreport.Run{Mode: "link"}, sum, rep); err != nil {
			t.Fatal(err)
		}
		repOut, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&out).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("output %q: %v", out.String(), err)
		}
		return rows[1][0], string(repOut)
	}
	jansen, report := link(hospital, "naam,voornaam,geboortedatum,postcode,diagnose\nJansen,Piet,1960-01-01,1234 AB,C18\n")
	bakker, _ := link(hospital2, "naam,voornaam,geboortedatum,postcode,diagnose\nBakker,Kees,1971-05-05,2011 AA,I21\n")
	if jansen == bakker {
		t.Fatal("two organisations' row 1 of a file named export came back as one person")
	}
	// The broker's report counts no linkage decisions.
	for _, word := range []string{"linked", "new", "review", "known"} {
		if strings.Contains(report, ","+word+",") || strings.Contains(report, "\n"+word+",") {
			t.Errorf("the broker's report tells %q:\n%s", word, report)
		}
	}
}

// TestLoneBSNProbe: a broker that sends a BSN alone, to learn whether
// another hospital registered it (for a cancer registry: whether the
// person has cancer), is refused for lack of evidence; and with more fields
// the answer for a registered BSN and an unused one look alike.
func TestLoneBSNProbe(t *testing.T) {
	s, _, hospital, hospital2 := twoHospitals(t, nil)
	mustRegister(t, hospital, "nkr", linkFields,
		rec("1", "06000001", "A0001", "300000005", "van der Berg", "Jan", "1956-03-14", "M", "1234 AB", "12"))
	probeFields := []string{"agb", "patient_number", "bsn"}
	for _, bsn := range []string{"300000005", "123456782"} {
		r := mustRegister(t, hospital2, "nkr", probeFields, rec("1", "06000002", "P-"+bsn, bsn))[0]
		if !r.Rejected || r.PersonPseudonym != "" || len(r.Problems) == 0 || r.Problems[len(r.Problems)-1].Code != "F-904" {
			t.Fatalf("a lone BSN: %v; want rejected with F-904", r)
		}
	}
	// BSN and birth date are evidence enough; the broker's answers for the
	// registered BSN and an unused one differ only in the pseudonym.
	withDate := []string{"agb", "patient_number", "bsn", "birth_date"}
	answer := func(bsn string) *ttpv1.LinkedRecord {
		r := mustRegister(t, hospital2, "nkr", withDate, rec("1", "06000002", "Q-"+bsn, bsn, "1956-03-14"))[0]
		if r.Rejected || r.PersonPseudonym == "" {
			t.Fatalf("BSN and birth date: %v", r)
		}
		r.PersonPseudonym = ""
		return r
	}
	registered, unused := answer("300000005"), answer("123456782")
	if !proto.Equal(registered, unused) {
		t.Fatalf("the broker can tell a registered BSN from an unused one:\n%v\n%v", registered, unused)
	}
	// The operator sees the decisions in the metrics.
	body := servertest.Metrics(t, s.MetricsAddr())
	if !strings.Contains(body, `ttp_linkage_decisions_total{decision="linked"} 1`) || !strings.Contains(body, `ttp_linkage_decisions_total{decision="new"} 2`) {
		t.Errorf("metrics do not count the decisions:\n%s", grepLines([]byte(body), "ttp_linkage"))
	}
}

// TestBSNOnlyOverride: a broker that knows a victim's BSN sends it with
// another family name and birth date (van der Berg 1956 against Jansen
// 1960). It must not be linked to the victim's person: a review item for
// the operator instead.
func TestBSNOnlyOverride(t *testing.T) {
	_, admin, hospital, hospital2 := twoHospitals(t, nil)
	victim := mustRegister(t, hospital, "nkr", linkFields,
		rec("1", "06000001", "A0001", "111222333", "van der Berg", "Jan", "1956-03-14", "M", "1234 AB", "12"))[0]
	fake := mustRegister(t, hospital2, "nkr", linkFields,
		rec("1", "06000002", "F-1", "111222333", "Jansen", "Jan", "1960-07-01", "M", "1234 AB", "12"))[0]
	if fake.PersonPseudonym == victim.PersonPseudonym {
		t.Fatal("a BSN alone attached a record with another family name and birth date to the victim's person")
	}
	list, err := admin.ListReviewItems(context.Background(), &ttpv1.ListReviewItemsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Comparison["bsn"] != "agree" || list.Items[0].Comparison["family_name"] != "disagree" || list.Items[0].Comparison["birth_date"] != "disagree" {
		t.Fatalf("review items %v; want one: BSN agrees, family name and birth date disagree", list.Items)
	}
}

// TestRegisterStreamRejectsChangedFields: a later chunk cannot change the
// field list (the mapping) the first chunk pinned.
func TestRegisterStreamRejectsChangedFields(t *testing.T) {
	_, _, hospital, _ := twoHospitals(t, nil)
	stream, err := ttpv1.NewLinkageServiceClient(hospital).RegisterStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	first := &ttpv1.RegisterStreamRequest{Domain: "nkr", Fields: []string{"agb", "patient_number", "bsn", "birth_date"},
		Records: []*ttpv1.Record{rec("1", "06000001", "A1", "111222333", "1956-03-14")}}
	if err := stream.Send(first); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	// The same four values, now claimed to be other fields.
	swapped := &ttpv1.RegisterStreamRequest{Fields: []string{"agb", "patient_number", "postcode", "birth_date"},
		Records: []*ttpv1.Record{rec("2", "06000001", "A2", "1234 AB", "1956-03-14")}}
	if err := stream.Send(swapped); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "field list") {
		t.Fatalf("a chunk with other fields: %v; want InvalidArgument about the field list", err)
	}
}

// TestKnownSourceChangedValues: a hospital sends a patient number again
// with another patient's values (a reused number, or a mix-up). It is not
// answered with the old person: a person of its own, and a review item
// for the operator.
func TestKnownSourceChangedValues(t *testing.T) {
	_, admin, hospital, _ := twoHospitals(t, nil)
	first := mustRegister(t, hospital, "nkr", linkFields,
		rec("1", "06000001", "55555", "111222333", "van der Berg", "Jan", "1956-03-14", "M", "1234 AB", "12"))[0]
	other := mustRegister(t, hospital, "nkr", linkFields,
		rec("1", "06000001", "55555", "", "Pietersma", "Klaas", "1988-11-02", "M", "9712 GP", "3"))[0]
	if other.Rejected || other.PersonPseudonym == first.PersonPseudonym {
		t.Fatalf("another patient under a known patient number: rejected %v, same person %v; want a person of its own", other.Rejected, other.PersonPseudonym == first.PersonPseudonym)
	}
	list, err := admin.ListReviewItems(context.Background(), &ttpv1.ListReviewItemsRequest{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("review items %v, %v; want the conflict", list, err)
	}
}
