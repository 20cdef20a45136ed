package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/synth"
)

// obliviousFixture runs a server with OPRF domains "oprf" and "oprf-other"
// and HMAC domain "hmac", all coded into by "hospital".
func obliviousFixture(t testing.TB) (*servertest.Server, ttpv1.AdminServiceClient, *grpc.ClientConn) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}})
	s := f.Start(t)
	admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
	for _, d := range []struct {
		name string
		mode ttpv1.DomainMode
	}{{"oprf", ttpv1.DomainMode_DOMAIN_MODE_OPRF}, {"oprf-other", ttpv1.DomainMode_DOMAIN_MODE_OPRF}, {"hmac", ttpv1.DomainMode_DOMAIN_MODE_UNSPECIFIED}} {
		resp, err := admin.CreateDomain(context.Background(), &ttpv1.CreateDomainRequest{Name: d.name, Brokers: []string{"hospital"}, Mode: d.mode})
		if err != nil {
			t.Fatal(err)
		}
		want := d.mode
		if want == ttpv1.DomainMode_DOMAIN_MODE_UNSPECIFIED {
			want = ttpv1.DomainMode_DOMAIN_MODE_HMAC
		}
		if resp.Domain.Mode != want {
			t.Fatalf("domain %s: mode %v, want %v", d.name, resp.Domain.Mode, want)
		}
	}
	return s, admin, s.Dial(t, "hospital")
}

// synthCSV writes n generated persons as CSV with columns id, bsn, name,
// born and a payload column; it returns the file and every identifying
// value in it, raw and normalised.
func synthCSV(n int) ([]byte, []string) {
	g := synth.New(20240601)
	var b bytes.Buffer
	b.WriteString("id,bsn,name,born,diagnosis\n")
	var secrets []string
	today := identity.Today()
	for i := range n {
		p := g.Person()
		fmt.Fprintf(&b, "P%05d,%s,%q,%s,C%02d.%d\n", i, p.BSN, p.FamilyName, p.BirthDate, i%100, i%10)
		for _, v := range []struct {
			f   identity.Field
			raw string
		}{{identity.FieldBSN, p.BSN}, {identity.FieldFamilyName, p.FamilyName}, {identity.FieldBirthDate, p.BirthDate}} {
			secrets = append(secrets, v.raw)
			if norm, prob := identity.NormalizeValue(v.f, v.raw, today); prob == nil && norm != "" {
				secrets = append(secrets, norm)
			}
		}
	}
	return b.Bytes(), secrets
}

var synthMappings = []client.Mapping{{Field: identity.FieldBSN, Column: "bsn"}, {Field: identity.FieldFamilyName, Column: "name"}, {Field: identity.FieldBirthDate, Column: "born"}}

func codeFile(t testing.TB, cc grpc.ClientConnInterface, domain string, p *client.PrivacyOptions, in []byte) ([]byte, client.Summary, error) {
	t.Helper()
	rep, err := client.NewReport()
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	var out bytes.Buffer
	opts := client.FileOptions{Domain: domain, Mappings: synthMappings}
	var sum client.Summary
	if p == nil {
		sum, err = client.CodeFile(context.Background(), cc, opts, bytes.NewReader(in), &out, rep)
	} else {
		sum, err = client.CodeFilePrivate(context.Background(), cc, opts, *p, bytes.NewReader(in), &out, rep)
	}
	return out.Bytes(), sum, err
}

// wireRecorder is a client connection that records the serialised bytes of
// every request message it sends: what crosses the wire to the TTP.
type wireRecorder struct {
	grpc.ClientConnInterface
	mu      sync.Mutex
	sent    [][]byte
	methods map[string]int
}

func (w *wireRecorder) record(method string, m any) {
	b, err := proto.Marshal(m.(proto.Message))
	if err != nil {
		panic(err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sent = append(w.sent, b)
	if w.methods == nil {
		w.methods = map[string]int{}
	}
	w.methods[method]++
}

func (w *wireRecorder) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	w.record(method, args)
	return w.ClientConnInterface.Invoke(ctx, method, args, reply, opts...)
}

func (w *wireRecorder) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	st, err := w.ClientConnInterface.NewStream(ctx, desc, method, opts...)
	return &recordedStream{ClientStream: st, w: w, method: method}, err
}

type recordedStream struct {
	grpc.ClientStream
	w      *wireRecorder
	method string
}

func (s *recordedStream) SendMsg(m any) error {
	s.w.record(s.method, m)
	return s.ClientStream.SendMsg(m)
}

// TestObliviousEqualsPlaintext codes 10,000 generated records into an OPRF
// domain twice through the real server: with the identifiers sent
// (CodingService, FullEvaluate) and blinded (ObliviousService). Both files
// are identical. Everything the oblivious run sent is recorded, and no
// identifier, raw or normalised, is in it.
func TestObliviousEqualsPlaintext(t *testing.T) {
	_, _, cc := obliviousFixture(t)
	n := 10_000
	if testing.Short() {
		n = 1_000 // OPRF costs ~1 ms per record on a busy 2-core machine
	}
	in, secrets := synthCSV(n)

	plain, plainSum, err := codeFile(t, cc, "oprf", nil, in)
	if err != nil {
		t.Fatal(err)
	}
	wire := &wireRecorder{ClientConnInterface: cc}
	start := time.Now()
	obl, oblSum, err := codeFile(t, wire, "oprf", &client.PrivacyOptions{Oblivious: true}, in)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("oblivious run: %v; %d records, %d accepted, %d messages sent %v", time.Since(start), oblSum.Records, oblSum.Accepted, len(wire.sent), wire.methods)
	if plainSum != oblSum {
		t.Errorf("summaries differ: plaintext %+v, oblivious %+v", plainSum, oblSum)
	}
	if plainSum.Accepted < n*9/10 || plainSum.Records != n {
		t.Fatalf("too few records coded: %+v", plainSum)
	}
	if !bytes.Equal(plain, obl) {
		pl, ol := strings.Split(string(plain), "\n"), strings.Split(string(obl), "\n")
		for i := range min(len(pl), len(ol)) {
			if pl[i] != ol[i] {
				t.Fatalf("line %d differs:\nplaintext: %s\noblivious: %s", i+1, pl[i], ol[i])
			}
		}
		t.Fatalf("files differ in length: %d and %d lines", len(pl), len(ol))
	}
	if !bytes.Contains(plain, []byte(",v1.")) {
		t.Fatal("no pseudonyms in the coded file")
	}

	// What crossed the wire: no identifier, as text or in a field of its own.
	for m := range wire.methods {
		if strings.Contains(m, "CodingService") || strings.Contains(m, "LinkageService") {
			t.Errorf("the oblivious run called %s", m)
		}
	}
	all := bytes.Join(wire.sent, nil)
	if len(all) < n*3*32 {
		t.Fatalf("only %d bytes recorded: the recorder missed the evaluation messages", len(all))
	}
	found := 0
	for _, s := range secrets {
		if len(s) >= 4 && bytes.Contains(all, []byte(s)) {
			if found++; found <= 5 {
				t.Errorf("identifier %q crossed the wire", s)
			}
		}
	}
	// The check is meaningful: the plaintext path's messages do contain them.
	plainWire := &wireRecorder{ClientConnInterface: cc}
	if _, _, err := codeFile(t, plainWire, "oprf", nil, in[:2000]); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(bytes.Join(plainWire.sent, nil), []byte(secrets[0])) {
		t.Fatal("the recorder does not see what the plaintext path sends")
	}
}

// TestObliviousWrongKey: a client rejects an evaluation made with another
// key than the one published for the domain.
func TestObliviousWrongKey(t *testing.T) {
	_, _, cc := obliviousFixture(t)
	ctx := context.Background()
	oc, err := client.NewObliviousClientFor(ctx, cc, "oprf", 0)
	if err != nil {
		t.Fatal(err)
	}
	info := keys.OPRFInfo("oprf", "bsn")
	blinded, st, err := oc.Blind([][]byte{[]byte("111222333"), []byte("123456782")}, info)
	if err != nil {
		t.Fatal(err)
	}
	// Right domain and field: verifies.
	batches, err := client.EvaluateBlinded(ctx, cc, "oprf", "bsn", oc.Version(), blinded)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oc.FinalizeBatches(st, batches, info); err != nil {
		t.Fatalf("a correct evaluation is rejected: %v", err)
	}
	// Another domain's key, or another field's info: rejected.
	for _, c := range []struct{ domain, field string }{{"oprf-other", "bsn"}, {"oprf", "family_name"}} {
		batches, err := client.EvaluateBlinded(ctx, cc, c.domain, c.field, oc.Version(), blinded)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := oc.FinalizeBatches(st, batches, info); !errors.Is(err, client.ErrProofInvalid) {
			t.Errorf("evaluated in %s/%s: got %v, want ErrProofInvalid", c.domain, c.field, err)
		}
	}

	// A TTP that publishes one key and evaluates with another: the file run
	// fails, and writes no pseudonym.
	otherKey, err := ttpv1.NewObliviousServiceClient(cc).GetPublicKey(ctx, &ttpv1.GetPublicKeyRequest{Domain: "oprf-other"})
	if err != nil {
		t.Fatal(err)
	}
	lying := &keySwapper{ClientConnInterface: cc, key: otherKey.PublicKey}
	in, _ := synthCSV(50)
	out, _, err := codeFile(t, lying, "oprf", &client.PrivacyOptions{Oblivious: true}, in)
	if !errors.Is(err, client.ErrProofInvalid) {
		t.Fatalf("evaluation under another key than the published one: got %v, want ErrProofInvalid", err)
	}
	if bytes.Contains(out, []byte(",v1.")) {
		t.Fatal("pseudonyms written from an evaluation that did not verify")
	}
	// A pinned key that differs from the published one stops the run early.
	if _, _, err := codeFile(t, cc, "oprf", &client.PrivacyOptions{Oblivious: true, PublicKey: otherKey.PublicKey}, in); err == nil || !strings.Contains(err.Error(), "pinned") {
		t.Fatalf("pinned key mismatch: got %v", err)
	}
}

// keySwapper answers GetPublicKey with another key.
type keySwapper struct {
	grpc.ClientConnInterface
	key []byte
}

func (k *keySwapper) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	err := k.ClientConnInterface.Invoke(ctx, method, args, reply, opts...)
	if r, ok := reply.(*ttpv1.GetPublicKeyResponse); ok && err == nil {
		r.PublicKey = k.key
	}
	return err
}

// TestEvaluateRejects: identity, malformed and oversized inputs get
// InvalidArgument, naming the element's index, and the server keeps serving.
func TestEvaluateRejects(t *testing.T) {
	_, _, cc := obliviousFixture(t)
	ctx := context.Background()
	obl := ttpv1.NewObliviousServiceClient(cc)
	oc, err := client.NewObliviousClientFor(ctx, cc, "oprf", 0)
	if err != nil {
		t.Fatal(err)
	}
	good, _, err := oc.Blind([][]byte{[]byte("111222333"), []byte("x")}, keys.OPRFInfo("oprf", "bsn"))
	if err != nil {
		t.Fatal(err)
	}
	many := make([][]byte, keys.MaxEvaluateBatch+1)
	for i := range many {
		many[i] = good[i%2]
	}
	identityElement := make([]byte, 32)
	malformed := bytes.Repeat([]byte{0xff}, 32)
	cases := []struct {
		name   string
		req    *ttpv1.EvaluateRequest
		code   codes.Code
		detail string
	}{
		{"identity", &ttpv1.EvaluateRequest{Domain: "oprf", Field: "bsn", BlindedElements: [][]byte{good[0], identityElement}}, codes.InvalidArgument, "element 1: identity element"},
		{"malformed", &ttpv1.EvaluateRequest{Domain: "oprf", Field: "bsn", BlindedElements: [][]byte{malformed}}, codes.InvalidArgument, "element 0: malformed encoding"},
		{"short", &ttpv1.EvaluateRequest{Domain: "oprf", Field: "bsn", BlindedElements: [][]byte{good[0], good[1], good[0][:31]}}, codes.InvalidArgument, "element 2: wrong length"},
		{"long element", &ttpv1.EvaluateRequest{Domain: "oprf", Field: "bsn", BlindedElements: [][]byte{bytes.Repeat([]byte{1}, 1<<20)}}, codes.InvalidArgument, "element 0: wrong length"},
		{"oversized", &ttpv1.EvaluateRequest{Domain: "oprf", Field: "bsn", BlindedElements: many}, codes.InvalidArgument, "at most 4096"},
		{"empty", &ttpv1.EvaluateRequest{Domain: "oprf", Field: "bsn"}, codes.InvalidArgument, "no elements"},
		{"no field", &ttpv1.EvaluateRequest{Domain: "oprf", BlindedElements: good}, codes.InvalidArgument, "field"},
		{"unknown field", &ttpv1.EvaluateRequest{Domain: "oprf", Field: "shoe_size", BlindedElements: good}, codes.InvalidArgument, "field"},
		{"hmac domain", &ttpv1.EvaluateRequest{Domain: "hmac", Field: "bsn", BlindedElements: good}, codes.FailedPrecondition, "hmac mode"},
		{"no such version", &ttpv1.EvaluateRequest{Domain: "oprf", Field: "bsn", KeyVersion: 9, BlindedElements: good}, codes.InvalidArgument, "key version 9"},
		{"no such domain", &ttpv1.EvaluateRequest{Domain: "nope", Field: "bsn", BlindedElements: good}, codes.PermissionDenied, "may not code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := obl.Evaluate(ctx, c.req)
			if status.Code(err) != c.code || !strings.Contains(err.Error(), c.detail) {
				t.Fatalf("got %v, want %v with %q", err, c.code, c.detail)
			}
			if bytes.Contains([]byte(err.Error()), malformed[:8]) {
				t.Fatal("the error echoes the element")
			}
			// Still serving.
			if _, err := obl.Evaluate(ctx, &ttpv1.EvaluateRequest{Domain: "oprf", Field: "bsn", BlindedElements: good}); err != nil {
				t.Fatalf("after a rejected request: %v", err)
			}
		})
	}

	// In a stream: good messages are answered, the bad one ends the stream
	// with InvalidArgument.
	stream, err := obl.EvaluateStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	send := func(els [][]byte) {
		if err := stream.Send(&ttpv1.EvaluateStreamRequest{Domain: "oprf", Field: "bsn", BlindedElements: els}); err != nil && !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
	}
	send(good)
	send([][]byte{good[0], identityElement})
	send(good)
	stream.CloseSend()
	if _, err := stream.Recv(); err != nil {
		t.Fatalf("first message: %v", err)
	}
	_, err = stream.Recv()
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "identity element") {
		t.Fatalf("stream with an identity element: got %v", err)
	}
	if _, err := obl.Evaluate(ctx, &ttpv1.EvaluateRequest{Domain: "oprf", Field: "bsn", BlindedElements: good}); err != nil {
		t.Fatalf("after a rejected stream: %v", err)
	}
}

// TestSealedPseudonyms: a registry's registered key seals the pseudonym
// columns on both paths; the registry's private key opens them to exactly
// the unsealed pseudonyms; another key, or another domain, does not.
func TestSealedPseudonyms(t *testing.T) {
	s, admin, cc := obliviousFixture(t)
	ctx := context.Background()
	for _, suite := range []seal.Suite{seal.MLKEM768X25519, seal.X25519} {
		t.Run(suite.String(), func(t *testing.T) {
			priv, err := seal.GenerateKey(suite)
			if err != nil {
				t.Fatal(err)
			}
			other, _ := seal.GenerateKey(suite)
			name := "registry-" + suite.String()
			reg, err := admin.RegisterRecipientKey(ctx, &ttpv1.RegisterRecipientKeyRequest{Name: name, PublicKey: priv.Public().Encode()})
			if err != nil {
				t.Fatal(err)
			}
			if reg.Key.Fingerprint != priv.Public().Fingerprint() || reg.Key.Suite != suite.String() {
				t.Fatalf("registered %+v", reg.Key)
			}
			// The broker fetches it; so may the registry itself.
			pub, err := client.FetchRecipientKey(ctx, cc, name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.FetchRecipientKey(ctx, s.Dial(t, "registry"), name); err != nil {
				t.Fatal(err)
			}
			in, _ := synthCSV(200)
			plain, _, err := codeFile(t, cc, "oprf", nil, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, oblivious := range []bool{false, true} {
				sealed, _, err := codeFile(t, cc, "oprf", &client.PrivacyOptions{Oblivious: oblivious, SealTo: pub}, in)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(sealed, []byte(",v1.")) || !bytes.Contains(sealed, []byte(",s1."+suite.String()+".")) {
					t.Fatalf("oblivious=%v: the pseudonym columns are not sealed", oblivious)
				}
				var opened bytes.Buffer
				n, err := client.OpenFile(client.OpenOptions{Domain: "oprf", Mappings: synthMappings}, priv, bytes.NewReader(sealed), &opened)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(opened.Bytes(), plain) || n < 500 {
					t.Fatalf("oblivious=%v: %d values opened, and the file differs from the unsealed one", oblivious, n)
				}
				_, err = client.OpenFile(client.OpenOptions{Domain: "oprf", Mappings: synthMappings}, other, bytes.NewReader(sealed), io.Discard)
				if !errors.Is(err, seal.ErrOpen) {
					t.Fatalf("another recipient's key: got %v, want ErrOpen", err)
				}
				_, err = client.OpenFile(client.OpenOptions{Domain: "oprf-other", Mappings: synthMappings}, priv, bytes.NewReader(sealed), io.Discard)
				if !errors.Is(err, seal.ErrOpen) {
					t.Fatalf("another domain: got %v, want ErrOpen", err)
				}
			}
		})
	}
	list, err := admin.ListRecipientKeys(ctx, &ttpv1.ListRecipientKeysRequest{})
	if err != nil || len(list.Keys) != 2 {
		t.Fatalf("ListRecipientKeys: %v, %v", list, err)
	}
	if _, err := client.FetchRecipientKey(ctx, cc, "nobody"); status.Code(err) != codes.NotFound {
		t.Fatalf("unregistered recipient: %v", err)
	}
	if _, err := admin.RegisterRecipientKey(ctx, &ttpv1.RegisterRecipientKeyRequest{Name: "x", PublicKey: "ttp-recipient-priv-v1:x25519:AAAA"}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("a private key offered as public: %v", err)
	}
}
