package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/requests"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/server/store"
)

// deliveryFixture is a server with a broker, a registry receiving from
// domain nkr, a researcher with a registered key and a committee member.
func deliveryFixture(t *testing.T) *servertest.Fixture {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}},
		servertest.Principal{Name: "researcher", Roles: []authz.Role{authz.Researcher}},
		servertest.Principal{Name: "committee", Roles: []authz.Role{authz.Committee}},
	)
	return f
}

// TestConversionAfterExpiry: a request converts until its valid-until day;
// after it (here: the stored date moved back, as the calendar would) the
// same conversion is refused as expired, and the refusal is in the audit
// log with the principal and the reason (written when the server stops, at
// the latest).
func TestConversionAfterExpiry(t *testing.T) {
	f := deliveryFixture(t)
	ctx := context.Background()
	var pseudonym string
	t.Run("approved", func(t *testing.T) {
		s := f.Start(t)
		admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
		if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: "nkr", Brokers: []string{"hospital"}, Recipients: []string{"registry"}}); err != nil {
			t.Fatal(err)
		}
		priv, err := seal.GenerateKey(seal.X25519)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.RegisterRecipientKey(ctx, &ttpv1.RegisterRecipientKeyRequest{Name: "researcher", PublicKey: priv.Public().Encode()}); err != nil {
			t.Fatal(err)
		}
		reg, err := ttpv1.NewLinkageServiceClient(s.Dial(t, "hospital")).Register(ctx, &ttpv1.RegisterRequest{Domain: "nkr",
			Fields:  []string{"bsn", "birth_date", "family_name"},
			Source:  "export",
			Records: []*ttpv1.Record{{RowKey: "1", Values: []string{"123456782", "1950-01-01", "Jansen"}}}})
		if err != nil {
			t.Fatal(err)
		}
		pseudonym = reg.Records[0].PersonPseudonym
		d := ttpv1.NewDeliveryServiceClient(s.Dial(t, "registry"))
		created, err := d.CreateLinkageRequest(ctx, &ttpv1.CreateLinkageRequestRequest{Project: "p", Purpose: "q", Recipient: "researcher",
			Sources: []string{"nkr"}, Variables: []*ttpv1.RequestedVariable{{Name: "icd10", Class: "A"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.SubmitLinkageRequest(ctx, &ttpv1.SubmitLinkageRequestRequest{Id: created.Request.Id}); err != nil {
			t.Fatal(err)
		}
		c := ttpv1.NewDeliveryServiceClient(s.Dial(t, "committee"))
		if _, err := c.ApproveLinkageRequest(ctx, &ttpv1.ApproveLinkageRequestRequest{Id: created.Request.Id}); err != nil {
			t.Fatal(err)
		}
		if rows, err := convert(ctx, d, pseudonym); err != nil || rows[0].SealedProjectPseudonym == "" {
			t.Fatalf("conversion before expiry: %v %v", rows, err)
		}
	})
	// The server is stopped: move the request's last day into the past.
	editStore(t, f, func(tx store.Tx) error {
		q, err := tx.Requests().Get(1)
		if err != nil {
			return err
		}
		r, err := requests.Decode(q.ID, q.Data)
		if err != nil {
			return err
		}
		r.ValidUntil = time.Now().UTC().AddDate(0, 0, -1)
		q.Data, err = r.Encode()
		if err != nil {
			return err
		}
		return tx.Requests().Update(q)
	})
	t.Run("expired", func(t *testing.T) {
		s := f.Start(t)
		d := ttpv1.NewDeliveryServiceClient(s.Dial(t, "registry"))
		_, err := convert(ctx, d, pseudonym)
		if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "request 1 is expired") {
			t.Fatalf("conversion after expiry: %v", err)
		}
		got, err := d.GetLinkageRequest(ctx, &ttpv1.GetLinkageRequestRequest{Id: 1})
		if err != nil || got.Request.State != "expired" {
			t.Fatalf("request shows %v, %v", got, err)
		}
	})
	var refused []audit.Record
	editStore(t, f, func(tx store.Tx) error {
		return tx.Audit().Scan(1, func(e store.AuditEntry) error {
			var r audit.Record
			if err := json.Unmarshal(e.Data, &r); err != nil {
				return err
			}
			if strings.HasPrefix(r.Outcome, "refused") {
				refused = append(refused, r)
			}
			return nil
		})
	})
	// Twice: by the desk, with the request's number (the committee's report
	// of the request shows it), and by the server's refused-call audit.
	var desk, server int
	for _, r := range refused {
		if r.Principal != "registry" || r.Action != "ConvertStream" || !strings.Contains(r.Detail, "expired") {
			t.Errorf("refusal audited: %+v", r)
		}
		if r.Request == 1 {
			desk++
		} else {
			server++
		}
	}
	if desk != 1 || server != 1 {
		t.Fatalf("refusals audited: %d with the request's number, %d by the server, want 1 and 1: %+v", desk, server, refused)
	}
}

// convert converts one person pseudonym under request 1 from nkr.
func convert(ctx context.Context, d ttpv1.DeliveryServiceClient, pseudonym string) ([]*ttpv1.ConvertedRow, error) {
	stream, err := d.ConvertStream(ctx)
	if err != nil {
		return nil, err
	}
	if err := stream.Send(&ttpv1.ConvertStreamRequest{RequestId: 1, Domain: "nkr", Rows: []*ttpv1.ConvertRow{{RowKey: "1", PersonPseudonym: pseudonym}}}); err != nil && err != io.EOF {
		return nil, err
	}
	stream.CloseSend()
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	return resp.Rows, nil
}

// editStore opens the stopped fixture's store and runs fn in a transaction.
func editStore(t *testing.T, f *servertest.Fixture, fn func(store.Tx) error) {
	t.Helper()
	kek, err := keys.LoadKEKFile(f.Config.KEKFile)
	if err != nil {
		t.Fatal(err)
	}
	st, err := server.OpenStore(context.Background(), f.Config, kek, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}
