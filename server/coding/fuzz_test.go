package coding_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/coding"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/records"
)

// allFields is a field list whose every prefix is valid (agb comes before
// patient_number).
var allFields = []string{"bsn", "family_name", "given_names", "initials", "birth_date", "sex", "postcode", "house_number", "agb", "patient_number"}

// fuzzDomain is the one domain fuzz inputs code into. Version 1 and 2 exist.
const fuzzDomain = "fuzz"

func fuzzRegistry(f *testing.F) *domains.Registry {
	reg, _ := newRegistry(f)
	create(f, reg, fuzzDomain, broker.Principal)
	if _, err := reg.Rotate(ctx, operator, fuzzDomain); err != nil {
		f.Fatal(err)
	}
	return reg
}

func seedRequests() []*ttpv1.CodeStreamRequest {
	return []*ttpv1.CodeStreamRequest{
		{Domain: fuzzDomain, Fields: []string{"bsn", "family_name", "postcode", "birth_date"}, Records: []*ttpv1.Record{
			pbRec("1", "123456782", "van der Berg", "1234 ab", "1956-03-14"),
			pbRec("2", "123456789", "Berg, van der", "1234AB", "1980-02-30"),
			pbRec("3", "", "", "", ""),
		}},
		{Domain: fuzzDomain, Fields: allFields, KeyVersion: 1, Records: []*ttpv1.Record{
			pbRec("r1", "12345678", "Jansen-de Vries", "Jan Pieter", "J.P.", "14-03-1956", "V", "BE-1000", "12-bis", "01234567", "A12345"),
			pbRec("r2", "000000000", "O'Brien", "Ærøskøbing", "-", "19560314", "x", "0123AB", "0", "1234567", "\x01"),
		}},
		{Domain: fuzzDomain, Fields: []string{"agb", "patient_number"}, KeyVersion: 2, Records: []*ttpv1.Record{
			pbRec("", "01234567", "A12345"), pbRec("", "", "A12345"),
		}},
		{Domain: "other", Fields: []string{"bsn"}, KeyVersion: 7, Records: []*ttpv1.Record{pbRec("x", "1")}},
		{Domain: fuzzDomain, Fields: []string{"BSN ", "sex"}, Records: []*ttpv1.Record{pbRec("x", "123456782", "M", "extra")}},
	}
}

// codeFuzzed runs what the server does with a decoded request and checks
// the invariants of the result.
func codeFuzzed(t *testing.T, reg *domains.Registry, domain string, fields []string, version uint32, fromWire []*ttpv1.Record, limit int) {
	records := fromProto(fromWire)
	// Start as the server would call it: it may refuse, but with a kind
	// the caller can act on and without echoing record values.
	if _, err := codingStart(reg, broker, domain, fields, version, today); err != nil {
		if apierr.KindOf(err) == apierr.Internal {
			t.Fatalf("Start failed with an internal error: %v", err)
		}
	}

	// Then code into the real domain, with the request's fields if they
	// are valid and otherwise with as many known fields as the first record
	// has values, so that Check and Code see most inputs.
	job, err := codingStart(reg, broker, fuzzDomain, fields, version%3, today)
	if err != nil {
		n := 1
		if len(records) > 0 {
			n = min(max(len(records[0].Values), 1), len(allFields))
		}
		if job, err = codingStart(reg, broker, fuzzDomain, allFields[:n], 0, today); err != nil {
			t.Fatalf("Start with known fields: %v", err)
		}
	}
	nf := len(job.Fields())
	if err := job.Check(records, limit); err != nil {
		if k := apierr.KindOf(err); k != apierr.InvalidArgument && k != apierr.ResourceExhausted {
			t.Fatalf("Check failed with kind %v: %v", k, err)
		}
		checkNoValues(t, err.Error(), records)
		return
	}
	out, counts := job.Code(records)
	if len(out) != len(records) {
		t.Fatalf("%d coded records for %d", len(out), len(records))
	}
	var accepted, rejected, pseudonyms int
	for i, cr := range out {
		if cr.RowKey != records[i].RowKey {
			t.Fatalf("record %d: row key changed", i)
		}
		for _, p := range cr.Problems {
			info, ok := codeInfo[string(p.Code)]
			if !ok {
				t.Fatalf("record %d: unknown problem code %q", i, p.Code)
			}
			if p.Message != info.Message {
				t.Fatalf("record %d: problem %s has message %q, not the fixed text", i, p.Code, p.Message)
			}
			if p.Field != "" && !strings.Contains(strings.Join(allFields, ","), string(p.Field)) {
				t.Fatalf("record %d: problem about unknown field %q", i, p.Field)
			}
			for _, v := range records[i].Values {
				// A value that happens to be a piece of the fixed text is
				// a coincidence, not a leak.
				if len(v) >= 6 && strings.Contains(p.Message, v) && !strings.Contains(info.Message, v) {
					t.Fatalf("record %d: problem message %q contains an input value", i, p.Message)
				}
			}
		}
		if cr.Rejected {
			rejected++
			if len(cr.Pseudonyms) != 0 {
				t.Fatalf("record %d: rejected with %d pseudonyms", i, len(cr.Pseudonyms))
			}
			fatal := false
			for _, p := range cr.Problems {
				fatal = fatal || strings.HasPrefix(string(p.Code), "F")
			}
			if !fatal {
				t.Fatalf("record %d: rejected without an F-code: %v", i, cr.Problems)
			}
			continue
		}
		accepted++
		if len(cr.Pseudonyms) != nf {
			t.Fatalf("record %d: %d pseudonyms for %d fields", i, len(cr.Pseudonyms), nf)
		}
		for _, p := range cr.Problems {
			if strings.HasPrefix(string(p.Code), "F") {
				t.Fatalf("record %d: accepted with problem %s", i, p.Code)
			}
		}
		for k, p := range cr.Pseudonyms {
			if p == "" {
				continue
			}
			pseudonyms++
			if v, _, err := keys.ParsePseudonym(p); err != nil || uint32(v) != job.KeyVersion() {
				t.Fatalf("record %d, field %d: pseudonym %q (version %d, %v) is not one of version %d", i, k, p, v, err, job.KeyVersion())
			}
		}
	}
	if want := (coding.Counts{Records: len(records), Accepted: accepted, Rejected: rejected, Pseudonyms: pseudonyms}); counts != want {
		t.Fatalf("counts %+v, want %+v", counts, want)
	}
}

var codeInfo = func() map[string]identity.CodeInfo {
	m := map[string]identity.CodeInfo{}
	for _, c := range identity.Codes {
		m[string(c.Code)] = c
	}
	return m
}()

// pbRec is a record as the client sends it.
func pbRec(key string, values ...string) *ttpv1.Record {
	return &ttpv1.Record{RowKey: key, Values: values}
}

// fromProto takes the wire records as the server's conversion does.
func fromProto(in []*ttpv1.Record) []records.Record {
	out := make([]records.Record, len(in))
	for i, r := range in {
		out[i] = records.Record{RowKey: r.RowKey, Values: r.Values}
	}
	return out
}

func checkNoValues(t *testing.T, msg string, records []records.Record) {
	t.Helper()
	for _, r := range records {
		for _, v := range r.Values {
			if len(v) >= 6 && strings.Contains(msg, v) {
				t.Fatalf("error %q contains a record value", msg)
			}
		}
	}
}

func FuzzCodeStreamRequest(f *testing.F) {
	for _, req := range seedRequests() {
		raw, err := proto.Marshal(req)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	reg := fuzzRegistry(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var req ttpv1.CodeStreamRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			return
		}
		codeFuzzed(t, reg, req.Domain, req.Fields, req.KeyVersion, req.Records, records.MaxPerChunk)
	})
}

func FuzzCodeRequest(f *testing.F) {
	for _, s := range seedRequests() {
		raw, err := proto.Marshal(&ttpv1.CodeRequest{Domain: s.Domain, Fields: s.Fields, Records: s.Records, KeyVersion: s.KeyVersion})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	reg := fuzzRegistry(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var req ttpv1.CodeRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			return
		}
		codeFuzzed(t, reg, req.Domain, req.Fields, req.KeyVersion, req.Records, records.MaxPerCall)
	})
}
