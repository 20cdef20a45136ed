package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// explained is a gRPC error said in words: what went wrong and what to do
// about it, for a data manager rather than a gRPC programmer. It keeps its
// status, so status.Code still tells the code.
type explained struct {
	msg string
	st  *status.Status
}

func (e *explained) Error() string              { return e.msg }
func (e *explained) GRPCStatus() *status.Status { return e.st }

// hints are the connection failures a user can fix, by what gRPC's message
// says underneath (it has no finer codes for them), with what to tell.
var hints = []struct{ cause, say string }{
	{"connection refused", "cannot reach ttpd at %s: is it running, and is that its address (-server, TTP_SERVER)? (connection refused)"},
	{"no such host", "cannot reach ttpd at %s: no such host; check -server or TTP_SERVER (no such host)"},
	{"i/o timeout", "cannot reach ttpd at %s: no answer in time; check the address and that a firewall lets it through (timeout)"},
	{"network is unreachable", "cannot reach ttpd at %s: the network is unreachable (network is unreachable)"},
	{"certificate signed by unknown authority", "ttpd at %s has a certificate that the CA file (-ca, TTP_CA) did not issue: the wrong CA file, or the wrong server (unknown authority)"},
	{"certificate is valid for", "ttpd's certificate is not issued for %s: dial the name it was issued for (certificate name mismatch)"},
	{"certificate has expired", "a certificate has expired: ttpd's at %s, or yours (-cert, TTP_CERT); ask the TTP operator for a new one (certificate expired)"},
	{"bad certificate", "ttpd at %s refused your client certificate (-cert, TTP_CERT): it was not issued by the TTP's CA, or it is revoked or expired (bad certificate)"},
	{"unknown certificate authority", "ttpd at %s refused your client certificate (-cert, TTP_CERT): the TTP's CA did not issue it (unknown certificate authority)"},
	{"certificate required", "ttpd at %s wants a client certificate (-cert, TTP_CERT) (certificate required)"},
	{"certificate revoked", "ttpd at %s refused your client certificate: it is revoked; ask the TTP operator for a new one (certificate revoked)"},
}

// explain says err in words, naming the server at addr. A server's refusal
// keeps its code and its reason ("PermissionDenied: principal ... may not
// ..."); a connection failure says what to check. io.EOF and errors that
// are not gRPC's pass unchanged.
func explain(err error, addr string) error {
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok || st.Code() == codes.OK {
		return err
	}
	msg := st.Message()
	switch st.Code() {
	case codes.Unavailable:
		for _, h := range hints {
			if strings.Contains(msg, h.cause) {
				return &explained{fmt.Sprintf(h.say, addr), st}
			}
		}
		return &explained{fmt.Sprintf("cannot reach ttpd at %s (%s)", addr, lastCause(msg)), st}
	case codes.Canceled:
		if strings.Contains(msg, "context canceled") {
			return err // the caller stopped it; its error says so
		}
	}
	return &explained{st.Code().String() + ": " + msg, st}
}

// lastCause is the innermost part of a nested gRPC message ("connection
// error: desc = \"transport: ...: broken pipe\"" gives "broken pipe").
func lastCause(msg string) string {
	msg = strings.TrimRight(msg, `"`)
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// explainUnary and explainStream put explain on every call of a connection.
func explainUnary(addr string) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return explain(invoker(ctx, method, req, reply, cc, opts...), addr)
	}
}

func explainStream(addr string) grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		s, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil {
			return nil, explain(err, addr)
		}
		return &explainedStream{ClientStream: s, addr: addr}, nil
	}
}

type explainedStream struct {
	grpc.ClientStream
	addr string
}

func (s *explainedStream) SendMsg(m any) error { return explain(s.ClientStream.SendMsg(m), s.addr) }
func (s *explainedStream) RecvMsg(m any) error { return explain(s.ClientStream.RecvMsg(m), s.addr) }
func (s *explainedStream) CloseSend() error    { return explain(s.ClientStream.CloseSend(), s.addr) }
