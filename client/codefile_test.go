package client_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/ttpnl/ttp/client"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/synth"
)

func startServer(t testing.TB) (*servertest.Server, context.Context) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}})
	s := f.Start(t)
	ctx := context.Background()
	_, err := ttpv1.NewAdminServiceClient(s.Dial(t, "operator")).CreateDomain(ctx,
		&ttpv1.CreateDomainRequest{Name: "nkr", Brokers: []string{"hospital"}})
	if err != nil {
		t.Fatal(err)
	}
	return s, ctx
}

// makeFile writes rows of synthetic persons; every 97th row has a column
// too few, every 89th an invalid BSN.
func makeFile(rows int) (string, int, int) {
	var b strings.Builder
	b.WriteString("id;bsn;naam;diagnose;geboren;pc\n")
	g := synth.New(11)
	ragged, invalid := 0, 0
	for i := 1; i <= rows; i++ {
		p := g.Person()
		bsn := p.BSN
		switch {
		case i%97 == 0:
			fmt.Fprintf(&b, "%d;%s;%s\n", i, bsn, p.FamilyName)
			ragged++
			continue
		case i%89 == 0:
			bsn = "123456789"
			invalid++
		}
		fmt.Fprintf(&b, "%d;%s;%s;C%02d;%s;%s\n", i, bsn, p.FamilyName, i%50, p.BirthDate, p.Postcode)
	}
	return b.String(), ragged, invalid
}

// TestCodeFileMatchesUnaryCoding codes a file in many small chunks and
// checks every output row against the unary Code RPC for the same values:
// rows stay in order, payload columns are untouched, rejected rows are left
// out and reported.
func TestCodeFileMatchesUnaryCoding(t *testing.T) {
	s, ctx := startServer(t)
	cc := s.Dial(t, "hospital")
	const rows = 5000
	input, ragged, invalid := makeFile(rows)
	mappings, err := client.ParseMappings("bsn=bsn,family_name=naam,birth_date=geboren,postcode=pc")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := client.NewReport()
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	var out bytes.Buffer
	sum, err := client.CodeFile(ctx, cc, client.FileOptions{Domain: "nkr", Mappings: mappings, ChunkSize: 300}, strings.NewReader(input), &out, rep)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Records != rows || sum.Rejected != ragged+invalid || sum.Accepted != rows-ragged-invalid || sum.KeyVersion != 1 {
		t.Fatalf("summary %+v; want %d records, %d rejected", sum, rows, ragged+invalid)
	}
	if rep.Problems() != ragged+invalid {
		t.Fatalf("%d problems reported, want %d", rep.Problems(), ragged+invalid)
	}

	coded := readCSV(t, out.String())
	original := readCSV(t, input)
	wantHeader := []string{"id", "bsn_pseudonym", "naam_pseudonym", "diagnose", "geboren_pseudonym", "pc_pseudonym"}
	if strings.Join(coded[0], ",") != strings.Join(wantHeader, ",") {
		t.Fatalf("header %v, want %v", coded[0], wantHeader)
	}
	byID := map[string][]string{}
	for _, r := range original[1:] {
		byID[r[0]] = r
	}
	coding := ttpv1.NewCodingServiceClient(cc)
	for _, row := range coded[1:] {
		src := byID[row[0]]
		if src == nil || len(src) != 6 || row[3] != src[3] {
			t.Fatalf("row %s: payload changed or row unknown: %v vs %v", row[0], row, src)
		}
		resp, err := coding.Code(ctx, &ttpv1.CodeRequest{Domain: "nkr", Fields: []string{"bsn", "family_name", "birth_date", "postcode"},
			Records: []*ttpv1.Record{{RowKey: row[0], Values: []string{src[1], src[2], src[4], src[5]}}}})
		if err != nil {
			t.Fatal(err)
		}
		ps := resp.Records[0].Pseudonyms
		if row[1] != ps[0] || row[2] != ps[1] || row[4] != ps[2] || row[5] != ps[3] {
			t.Fatalf("row %s: streamed pseudonyms %v differ from unary %v", row[0], row, ps)
		}
		if row[0] == "500" { // the rest would only repeat the check slowly
			break
		}
	}
	if len(coded)-1 != sum.Accepted {
		t.Fatalf("%d rows written, %d accepted", len(coded)-1, sum.Accepted)
	}
}

func readCSV(t testing.TB, s string) [][]string {
	r := csv.NewReader(strings.NewReader(s))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// BenchmarkCodeFile codes a 100,000-row file over loopback mTLS against a
// real server in this process (client and server share the 2 cores).
//
//	go test -run XXX -bench CodeFile ./client/
func BenchmarkCodeFile(b *testing.B) {
	s, ctx := startServer(b)
	cc := s.Dial(b, "hospital")
	input, _, _ := makeFile(100_000)
	mappings, _ := client.ParseMappings("bsn=bsn,family_name=naam,birth_date=geboren,postcode=pc")
	b.SetBytes(int64(len(input)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := client.NewReport()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := client.CodeFile(ctx, cc, client.FileOptions{Domain: "nkr", Mappings: mappings}, strings.NewReader(input), io.Discard, rep); err != nil {
			b.Fatal(err)
		}
		rep.Close()
	}
	b.ReportMetric(float64(b.N*100_000)/b.Elapsed().Seconds(), "records/s")
}
