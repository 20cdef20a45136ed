package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
)

var pseudonymRE = regexp.MustCompile(`^v(\d+)\.[a-z2-7]{26}$`)

func codingFixture(t *testing.T) (*servertest.Server, ttpv1.AdminServiceClient, ttpv1.CodingServiceClient) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "other-hospital", Roles: []authz.Role{authz.Broker}})
	f.Config.MetricsListen = "127.0.0.1:0"
	s := f.Start(t)
	admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
	for _, d := range []string{"nkr", "nhr"} {
		if _, err := admin.CreateDomain(context.Background(), &ttpv1.CreateDomainRequest{Name: d, Brokers: []string{"hospital"}}); err != nil {
			t.Fatal(err)
		}
	}
	return s, admin, ttpv1.NewCodingServiceClient(s.Dial(t, "hospital"))
}

var personFields = []string{"bsn", "family_name", "birth_date", "postcode"}

// The same person, written as different hospitals write them.
var samePerson = [][]string{
	{"111222333", "van der Berg", "1956-03-14", "1234 AB"},
	{"111 222 333", "Berg, van der", "14-03-1956", "1234ab"},
	{"111222333", "VAN DER BERG", "19560314", " 1234AB "},
	{"111.222.333", "van der Bérg", "14/3/1956", "1234 ab"},
}

func code(t *testing.T, c ttpv1.CodingServiceClient, domain string, version uint32, rows [][]string) *ttpv1.CodeResponse {
	t.Helper()
	req := &ttpv1.CodeRequest{Domain: domain, Fields: personFields, KeyVersion: version}
	for i, r := range rows {
		req.Records = append(req.Records, &ttpv1.Record{RowKey: string(rune('a' + i)), Values: r})
	}
	resp, err := c.Code(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestSamePersonOnePseudonymPerDomainAndVersion(t *testing.T) {
	s, admin, coding := codingFixture(t)
	ctx := context.Background()

	nkr := code(t, coding, "nkr", 0, samePerson)
	first := nkr.Records[0].Pseudonyms
	for i, r := range nkr.Records {
		if r.Rejected {
			t.Fatalf("record %d rejected: %v", i, r.Problems)
		}
		for k, p := range r.Pseudonyms {
			if !pseudonymRE.MatchString(p) || p[:3] != "v1." {
				t.Fatalf("record %d field %s: %q is not a v1 pseudonym", i, personFields[k], p)
			}
			if p != first[k] {
				t.Errorf("record %d field %s: %s, want %s (same person)", i, personFields[k], p, first[k])
			}
		}
	}
	// Another domain: unrelated pseudonyms.
	nhr := code(t, coding, "nhr", 0, samePerson[:1]).Records[0].Pseudonyms
	for k := range nhr {
		if nhr[k] == first[k] {
			t.Errorf("field %s has the same pseudonym in nkr and nhr", personFields[k])
		}
	}

	// Rotation: v2 is current and different; v1 can still be asked for.
	rot, err := admin.RotateDomainKey(ctx, &ttpv1.RotateDomainKeyRequest{Name: "nkr"})
	if err != nil {
		t.Fatal(err)
	}
	if rot.Domain.CurrentKeyVersion != 2 {
		t.Fatalf("after rotation current version %d", rot.Domain.CurrentKeyVersion)
	}
	v2 := code(t, coding, "nkr", 0, samePerson[:1])
	if v2.KeyVersion != 2 || !strings.HasPrefix(v2.Records[0].Pseudonyms[0], "v2.") {
		t.Fatalf("after rotation: version %d, pseudonym %s", v2.KeyVersion, v2.Records[0].Pseudonyms[0])
	}
	v1 := code(t, coding, "nkr", 1, samePerson[:1]).Records[0].Pseudonyms
	for k := range v1 {
		if v1[k] != first[k] {
			t.Errorf("field %s: version 1 after rotation gives %s, before %s", personFields[k], v1[k], first[k])
		}
	}
	desc, err := admin.DescribeDomain(ctx, &ttpv1.DescribeDomainRequest{Name: "nkr"})
	if err != nil {
		t.Fatal(err)
	}
	vs := desc.Domain.KeyVersions
	if len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 || vs[0].CreateTime.AsTime().After(vs[1].CreateTime.AsTime()) {
		t.Fatalf("describe after rotation: %v", desc.Domain)
	}

	// Metrics count what was coded.
	resp, err := http.Get("http://" + s.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`ttp_coded_records_total\{outcome="accepted"\} 7\b`).Match(body) {
		t.Errorf("metrics do not show 7 accepted records:\n%s", grepLines(body, "ttp_coded"))
	}
}

func grepLines(b []byte, sub string) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestCodingRefusals(t *testing.T) {
	s, _, coding := codingFixture(t)
	ctx := context.Background()
	other := ttpv1.NewCodingServiceClient(s.Dial(t, "other-hospital"))
	_, err := other.Code(ctx, &ttpv1.CodeRequest{Domain: "nkr", Fields: []string{"bsn"}, Records: []*ttpv1.Record{{Values: []string{"111222333"}}}})
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("broker not listed on the domain: got %v, want PermissionDenied", err)
	}
	cases := []struct {
		name  string
		req   *ttpv1.CodeRequest
		code  codes.Code
		field string
	}{
		{"unknown domain (same answer as a forbidden one)", &ttpv1.CodeRequest{Domain: "nope", Fields: []string{"bsn"}}, codes.PermissionDenied, ""},
		{"no domain", &ttpv1.CodeRequest{Fields: []string{"bsn"}}, codes.InvalidArgument, "domain"},
		{"unknown field", &ttpv1.CodeRequest{Domain: "nkr", Fields: []string{"shoe_size"}}, codes.InvalidArgument, "fields"},
		{"value count", &ttpv1.CodeRequest{Domain: "nkr", Fields: []string{"bsn", "postcode"}, Records: []*ttpv1.Record{{Values: []string{"111222333"}}}}, codes.InvalidArgument, "records"},
		{"no such version", &ttpv1.CodeRequest{Domain: "nkr", Fields: []string{"bsn"}, KeyVersion: 9}, codes.InvalidArgument, "key_version"},
		{"too many records", &ttpv1.CodeRequest{Domain: "nkr", Fields: []string{"bsn"}, Records: make([]*ttpv1.Record, 1001)}, codes.ResourceExhausted, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := range c.req.Records {
				if c.req.Records[i] == nil {
					c.req.Records[i] = &ttpv1.Record{Values: []string{"111222333"}}
				}
			}
			_, err := coding.Code(ctx, c.req)
			st := status.Convert(err)
			if st.Code() != c.code {
				t.Fatalf("got %v, want %v", err, c.code)
			}
			if c.field == "" {
				return
			}
			for _, d := range st.Details() {
				if br, ok := d.(*errdetails.BadRequest); ok && len(br.FieldViolations) > 0 && br.FieldViolations[0].Field == c.field {
					return
				}
			}
			t.Fatalf("no BadRequest detail naming field %q in %v", c.field, st.Details())
		})
	}
	// A record-level problem never echoes the value.
	resp, err := coding.Code(ctx, &ttpv1.CodeRequest{Domain: "nkr", Fields: []string{"bsn"}, Records: []*ttpv1.Record{{Values: []string{"987654321"}}}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Records[0]
	if !r.Rejected || len(r.Pseudonyms) != 0 || len(r.Problems) == 0 || r.Problems[0].Code[0] != 'F' {
		t.Fatalf("invalid BSN: %v", r)
	}
	if strings.Contains(r.Problems[0].Message, "987654321") {
		t.Fatalf("problem message echoes the BSN: %q", r.Problems[0].Message)
	}
}

// TestStreamRejectsAChangedDomain: a stream codes into one domain.
func TestStreamRejectsAChangedDomain(t *testing.T) {
	_, _, coding := codingFixture(t)
	stream, err := coding.CodeStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rec := []*ttpv1.Record{{RowKey: "1", Values: []string{"111222333"}}}
	stream.Send(&ttpv1.CodeStreamRequest{Domain: "nkr", Fields: []string{"bsn"}, Records: rec})
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	stream.Send(&ttpv1.CodeStreamRequest{Domain: "nhr", Records: rec})
	if _, err := stream.Recv(); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("changing the domain mid-stream: got %v, want InvalidArgument", err)
	}
}

// TestStoreIsEncryptedAtRest: nothing the server stores appears in its
// files in the clear.
func TestStoreIsEncryptedAtRest(t *testing.T) {
	s, admin, _ := codingFixture(t)
	const marker = "marker-domain-name-4711"
	if _, err := admin.CreateDomain(context.Background(), &ttpv1.CreateDomainRequest{Name: marker, Description: marker, Brokers: []string{"hospital"}}); err != nil {
		t.Fatal(err)
	}
	dir := s.Fixture.Config.StoreDir
	found := 0
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		if info.Size() > 256<<20 {
			// A value log file: preallocated and sparse, and our values are
			// small enough to live in the LSM tree and the memtable log.
			return nil
		}
		b, _ := os.ReadFile(path)
		if len(b) > 0 {
			found++
		}
		if bytes.Contains(b, []byte(marker)) || bytes.Contains(b, []byte("audit/")) {
			t.Errorf("%s holds stored data in the clear", path)
		}
		return nil
	})
	if found == 0 {
		t.Fatal("store directory has no data files")
	}
}
