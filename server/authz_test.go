package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/ttpnl/ttp/client"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/devmode"
	"github.com/ttpnl/ttp/server/servertest"
)

// oneOfEachRole makes a principal per role, named after it.
func oneOfEachRole() []servertest.Principal {
	var ps []servertest.Principal
	for _, r := range authz.AllRoles {
		ps = append(ps, servertest.Principal{Name: "as-" + string(r), Roles: []authz.Role{r}})
	}
	return ps
}

// TestEveryMethodEveryRole calls every method in the table as every role
// and checks that exactly the listed roles get past authorisation.
func TestEveryMethodEveryRole(t *testing.T) {
	f := servertest.NewFixture(t, oneOfEachRole()...)
	f.Config.Dev = true // register reflection, so its row is exercised too
	s := f.Start(t)

	// Every registered method must be in the table, or it would be closed
	// to everyone (and a new RPC would go unnoticed).
	for _, m := range s.Methods() {
		if _, ok := authz.Methods[m]; !ok {
			t.Errorf("method %s is registered but not in authz.Methods", m)
		}
	}
	calls := 0
	for method, allowed := range authz.Methods {
		for _, role := range authz.AllRoles {
			cc := s.Dial(t, "as-"+string(role))
			err := callEmpty(t, cc, method)
			denied := status.Code(err) == codes.PermissionDenied
			want := contains(allowed, role)
			if want && denied {
				t.Errorf("%s as %s: denied, but the table allows it: %v", method, role, err)
			}
			if !want && !denied {
				t.Errorf("%s as %s: got %v, want PermissionDenied", method, role, err)
			}
			calls++
		}
	}
	if calls < len(authz.AllRoles)*10 {
		t.Fatalf("only %d calls made", calls)
	}
}

func contains(rs []authz.Role, r authz.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// streaming says how each streaming method streams.
var streaming = map[string]grpc.StreamDesc{
	ttpv1.CodingService_CodeStream_FullMethodName:                    {ClientStreams: true, ServerStreams: true},
	ttpv1.ObliviousService_EvaluateStream_FullMethodName:             {ClientStreams: true, ServerStreams: true},
	grpc_health_v1.Health_Watch_FullMethodName:                       {ServerStreams: true},
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      {ClientStreams: true, ServerStreams: true},
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": {ClientStreams: true, ServerStreams: true},
}

// callEmpty calls method with an empty request and returns the error that
// the server answered (nil when it answered normally).
func callEmpty(t *testing.T, cc *grpc.ClientConn, method string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	desc, isStream := streaming[method]
	if !isStream {
		return cc.Invoke(ctx, method, &emptyMessage{}, &emptyMessage{}, grpc.ForceCodecV2(rawCodec{}))
	}
	desc.StreamName = method
	st, err := cc.NewStream(ctx, &desc, method, grpc.ForceCodecV2(rawCodec{}))
	if err != nil {
		return err
	}
	if desc.ClientStreams {
		if err := st.CloseSend(); err != nil {
			return err
		}
	} else if err := st.SendMsg(&emptyMessage{}); err != nil {
		return err
	}
	err = st.RecvMsg(&emptyMessage{})
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// TestRefusedConnections: no certificate, or one from another CA, gets no
// further than the TLS handshake.
func TestRefusedConnections(t *testing.T) {
	f := servertest.NewFixture(t, servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}})
	s := f.Start(t)

	caPEM, err := os.ReadFile(f.Config.TLS.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)

	other, err := devmode.NewCA("another CA")
	if err != nil {
		t.Fatal(err)
	}
	// The other CA issues a certificate with a configured principal's name:
	// the name alone must not be enough.
	forged, err := other.IssueClient("hospital")
	if err != nil {
		t.Fatal(err)
	}
	forgedCert, err := tls.X509KeyPair(forged.CertPEM, forged.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	for name, certs := range map[string][]tls.Certificate{"no certificate": nil, "certificate from another CA": {forgedCert}} {
		t.Run(name, func(t *testing.T) {
			creds := credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS13, RootCAs: roots, Certificates: certs, ServerName: "localhost"})
			cc, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(creds))
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = ttpv1.NewCodingServiceClient(cc).Code(ctx, &ttpv1.CodeRequest{Domain: "x"})
			if code := status.Code(err); code != codes.Unavailable {
				t.Fatalf("got %v (%v), want Unavailable: the handshake must fail", code, err)
			}
		})
	}

	// Plain TCP without TLS gets nothing either.
	conn, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
	buf := make([]byte, 64)
	n, _ := conn.Read(buf)
	conn.Close()
	if n > 0 && string(buf[:n]) != "" && buf[0] != 0x15 { // 0x15: a TLS alert
		t.Fatalf("plaintext HTTP/2 got a non-TLS answer: %q", buf[:n])
	}

	// A certificate from the right CA for a principal not in the
	// configuration is authenticated but refused.
	stranger, err := f.CA.IssueClient("stranger")
	if err != nil {
		t.Fatal(err)
	}
	cert, key := f.Dir+"/stranger.pem", f.Dir+"/stranger-key.pem"
	if err := stranger.WriteFiles(cert, key); err != nil {
		t.Fatal(err)
	}
	cc, err := client.Dial(client.Settings{Server: s.Addr(), CA: f.Config.TLS.CAFile, Cert: cert, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	_, err = ttpv1.NewCodingServiceClient(cc).Code(context.Background(), &ttpv1.CodeRequest{Domain: "x"})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("unconfigured principal: got %v, want PermissionDenied", err)
	}
}
