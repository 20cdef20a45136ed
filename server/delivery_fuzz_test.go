package server

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/conversion"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/requests"
)

// FuzzCreateLinkageRequest decodes arbitrary bytes as a request to draft a
// linkage request and takes it as the server does: no panic; a refusal is
// an InvalidArgument; an accepted request survives the store's encoding
// unchanged and shows as a message again.
//
//	go test ./server -run XXX -fuzz FuzzCreateLinkageRequest -fuzztime 30s
func FuzzCreateLinkageRequest(f *testing.F) {
	seed, _ := proto.Marshal(&ttpv1.CreateLinkageRequestRequest{Project: "colon", Purpose: "survival", Recipient: "researcher",
		Sources: []string{"nkr", "nhr"}, Variables: []*ttpv1.RequestedVariable{{Name: "icd10", Class: "A"}}, ValidUntil: "2099-01-01"})
	f.Add(seed)
	f.Add([]byte{})
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		var msg ttpv1.CreateLinkageRequestRequest
		if proto.Unmarshal(b, &msg) != nil {
			return
		}
		r, err := requestFromProto(&msg)
		if err == nil {
			err = r.Check(now)
		}
		if err != nil {
			if apierr.KindOf(err) != apierr.InvalidArgument {
				t.Fatalf("refused with %v, want an InvalidArgument", err)
			}
			return
		}
		r.ID, r.State, r.Created = 7, requests.Draft, now
		data, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		back, err := requests.Decode(7, data)
		if err != nil {
			t.Fatal(err)
		}
		if !sameRequest(back, r) {
			t.Fatalf("stored request changed:\n%+v\n%+v", r, back)
		}
		if pb := requestProto(back, now); pb.Project != r.Project || len(pb.Variables) != len(r.Variables) {
			t.Fatalf("shown as %+v", pb)
		}
	})
}

// sameRequest compares two requests as the store keeps them (so that a nil
// and an empty list are the same).
func sameRequest(a, b *requests.Request) bool {
	ea, _ := a.Encode()
	eb, _ := b.Encode()
	return bytes.Equal(ea, eb)
}

// FuzzConvertStreamRequest decodes arbitrary bytes as a conversion chunk
// and converts its rows with a real converter: no panic; every row gets a
// sealed project pseudonym that opens, or an F-70x problem and no cell.
//
//	go test ./server -run XXX -fuzz FuzzConvertStreamRequest -fuzztime 30s
func FuzzConvertStreamRequest(f *testing.F) {
	newDomain := func(name string) *domains.Domain {
		ring, err := keys.NewKeyring(name, rand.Reader, time.Now())
		if err != nil {
			f.Fatal(err)
		}
		return &domains.Domain{Name: name, Keyring: ring}
	}
	source, project := newDomain("nkr"), newDomain("project-1-aa")
	key, err := seal.NewDeliveryKey(1, seal.ProjectKey, make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	conv, err := conversion.New(source, conversion.Target{Domain: project, Key: key}, nil, linkage.NewSurvivors(nil))
	if err != nil {
		f.Fatal(err)
	}
	pc, _ := source.Keyring.PersonCipher(1)
	seed, _ := proto.Marshal(&ttpv1.ConvertStreamRequest{RequestId: 1, Domain: "nkr",
		Rows: []*ttpv1.ConvertRow{{RowKey: "1", PersonPseudonym: pc.Pseudonym(42)}, {RowKey: "2", PersonPseudonym: "v1.x"}}})
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		var msg ttpv1.ConvertStreamRequest
		if proto.Unmarshal(b, &msg) != nil {
			return
		}
		for _, row := range msg.Rows {
			cell, comm, problem := conv.Row(row.PersonPseudonym)
			switch {
			case comm != "":
				t.Fatal("a communication pseudonym without a communication file")
			case problem != nil:
				if cell != "" || !strings.HasPrefix(string(problem.Code), "F-70") {
					t.Fatalf("problem %v with cell %q", problem, cell)
				}
			default:
				if _, err := key.Open(cell); err != nil {
					t.Fatalf("cell %q does not open: %v", cell, err)
				}
			}
		}
	})
}
