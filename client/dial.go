package client

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/ttpnl/ttp/secretfile"
)

// Dial connects to ttpd over TLS 1.3, presenting the client certificate and
// trusting only the given CA. The connection is made lazily by gRPC; the
// first call reports a refused certificate.
func Dial(s Settings) (*grpc.ClientConn, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	cert, err := secretfile.LoadX509KeyPair(s.Cert, s.Key)
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	caPEM, err := os.ReadFile(s.CA)
	if err != nil {
		return nil, fmt.Errorf("server CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("server CA %s: no PEM certificate found", s.CA)
	}
	creds := credentials.NewTLS(&tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
	})
	return grpc.NewClient(s.Server, grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)),
		// Every error a call returns is said in words (explain.go).
		grpc.WithChainUnaryInterceptor(explainUnary(s.Server)),
		grpc.WithChainStreamInterceptor(explainStream(s.Server)))
}
