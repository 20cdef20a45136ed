package server

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/coding"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/records"
	"github.com/ttpnl/ttp/server/session"
	"github.com/ttpnl/ttp/server/store/badgerstore"
)

// FuzzRegisterStreamRequest decodes arbitrary bytes as a registration chunk
// and, when the server would accept it, registers it in a real index on a
// real store, as RegisterStream does for its first chunk (the same
// conversions, session, checks and registration): no panic, one result per
// record, rejected records with an F- code and no pseudonym, accepted ones
// with a pseudonym and a decision.
//
//	go test ./server -run XXX -fuzz FuzzRegisterStreamRequest -fuzztime 30s
func FuzzRegisterStreamRequest(f *testing.F) {
	ctx := context.Background()
	kek, err := keys.NewKEK(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	st, err := badgerstore.Open(f.TempDir(), kek.DeriveStoreKey(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	log := audit.New(st, time.Now)
	reg, err := domains.Open(ctx, st, kek, log, rand.Reader, time.Now)
	if err != nil {
		f.Fatal(err)
	}
	who := audit.Actor{Principal: "hospital", Organisation: "a hospital"}
	if _, err := reg.Create(ctx, who, "nkr", "", domains.Access{Brokers: []string{"hospital"}}); err != nil {
		f.Fatal(err)
	}
	key, scheme, err := linkage.EncoderKey(ctx, st, kek, rand.Reader, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	enc := linkage.NewEncoderOfScheme(key, scheme)
	index := linkage.Open(st, linkage.DefaultModel())
	today := identity.Date{Year: 2026, Month: 6, Day: 1}

	for _, seed := range []*ttpv1.RegisterStreamRequest{
		{Domain: "nkr", Fields: []string{"agb", "patient_number", "bsn", "family_name", "birth_date"}, Records: []*ttpv1.Record{
			{RowKey: "1", Values: []string{"06000001", "A1", "111222333", "van der Berg", "1956-03-14"}},
			{RowKey: "2", Values: []string{"06000002", "B-7", "111 222 333", "Berg, van der", "14-03-1956"}},
			{RowKey: "3", Values: []string{"06000001", "A2", "123456789", "Bakker", "31-02-1980"}},
			{RowKey: "4", Values: []string{"06000001", "", "123456782", "Jansen", "1960-01-01"}},
		}},
		{Domain: "nkr", Fields: []string{"family_name", "given_names", "birth_date", "postcode"}, Source: "lab", Records: []*ttpv1.Record{
			{RowKey: "x", Values: []string{"Öztürk", "Ayşe", "4/7/1975", "9712 GP"}},
			{RowKey: "y", Values: []string{"", "", "", ""}},
		}},
		{Domain: "nkr", Fields: []string{"bsn"}, Records: []*ttpv1.Record{{RowKey: "1", Values: []string{"1"}}}},
		{Domain: "other", Fields: []string{"bsn"}, Source: "s"},
	} {
		b, err := proto.Marshal(seed)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}

	f.Fuzz(func(t *testing.T, b []byte) {
		var req ttpv1.RegisterStreamRequest
		if proto.Unmarshal(b, &req) != nil {
			return
		}
		sess, err := session.Open(reg, who, req.Domain, 0, session.Register)
		if err != nil {
			return
		}
		fields, err := coding.ParseFields(req.Fields)
		if err != nil {
			return
		}
		registration, err := linkage.NewRegistration(sess, fields, linkage.Owner{Organisation: who.Organisation}, req.Source, index, enc, log, today)
		if err != nil {
			return
		}
		recs := recordsFromProto(req.Records)
		if records.Check(recs, req.Fields, records.MaxPerChunk) != nil {
			return
		}
		done, err := registration.Register(ctx, "RegisterStream", recs)
		if err != nil {
			t.Fatalf("register: %v", err)
		}
		out := registeredProto(done)
		if len(out) != len(req.Records) {
			t.Fatalf("%d results for %d records", len(out), len(req.Records))
		}
		for i, r := range out {
			if r.RowKey != req.Records[i].RowKey {
				t.Fatalf("result %d: row key %q for %q", i, r.RowKey, req.Records[i].RowKey)
			}
			if r.Rejected {
				if r.PersonPseudonym != "" {
					t.Fatalf("rejected record %d has a person: %v", i, r)
				}
				hasF := false
				for _, p := range r.Problems {
					hasF = hasF || strings.HasPrefix(p.Code, "F-")
				}
				if !hasF {
					t.Fatalf("rejected record %d without an F- code: %v", i, r.Problems)
				}
				continue
			}
			if r.PersonPseudonym == "" {
				t.Fatalf("accepted record %d without a person: %v", i, r)
			}
			for _, p := range r.Problems {
				if strings.HasPrefix(p.Code, "F-") {
					t.Fatalf("accepted record %d with %s", i, p.Code)
				}
			}
		}
	})
}
