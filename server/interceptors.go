package server

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// The interceptor chain, outermost first: recover (a panic becomes Internal
// and is logged without its value, which could hold request data), metrics,
// refused calls (refused_calls.go), errors (typed errors become statuses),
// authz (principal and method table).

func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				logPanic(log, info.FullMethod)
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(ctx, req)
	}
}

func recoverStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				logPanic(log, info.FullMethod)
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(srv, ss)
	}
}

// logPanic logs where a handler panicked. It logs the stack, not the panic
// value: a value could carry an identifier from the request.
func logPanic(log *slog.Logger, method string) {
	log.Error("handler panicked", "method", method, "stack", string(debug.Stack()))
}

func errorsUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		err = toStatus(ctx, log, info.FullMethod, err)
		logRefusal(ctx, log, info.FullMethod, err)
		return resp, err
	}
}

func errorsStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		err := toStatus(ss.Context(), log, info.FullMethod, handler(srv, ss))
		logRefusal(ss.Context(), log, info.FullMethod, err)
		return err
	}
}

// loggedRefusals are the codes of a call refused for who made it, not for what
// it sent: no role for the method, a domain that does not list the caller,
// a certificate not configured or revoked, a quota spent.
var loggedRefusals = map[codes.Code]bool{codes.PermissionDenied: true, codes.Unauthenticated: true, codes.ResourceExhausted: true}

// logRefusal logs a refused call with the certificate's name, the method
// and the code, so that operators see who probes what. The status message
// is the server's own text (principals, methods, domains), never request
// data.
func logRefusal(ctx context.Context, log *slog.Logger, method string, err error) {
	st, ok := status.FromError(err)
	if err == nil || !ok || !loggedRefusals[st.Code()] {
		return
	}
	log.WarnContext(ctx, "refused call", "principal", certificateName(ctx), "method", method, "code", st.Code().String(), "reason", st.Message())
}

// certificateName is the CommonName of the caller's verified client
// certificate: the principal's name, also when the configuration does not
// know it (the authz interceptor, inside this one, has not put a principal
// in the context of a refused call).
func certificateName(ctx context.Context) string {
	pr, ok := peer.FromContext(ctx)
	if !ok {
		return ""
	}
	info, ok := pr.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return ""
	}
	return info.State.VerifiedChains[0][0].Subject.CommonName
}

func metricsUnary(m *metrics) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		m.observeRPC(info.FullMethod, err, time.Since(start))
		return resp, err
	}
}

func metricsStream(m *metrics) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		err := handler(srv, ss)
		m.observeRPC(info.FullMethod, err, time.Since(start))
		return err
	}
}
