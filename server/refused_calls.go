package server

import (
	"context"
	"path"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"

	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/limits"
	"github.com/ttpnl/ttp/server/quota"
	"github.com/ttpnl/ttp/server/refusals"
)

// This file holds what guards the server against a caller that asks too
// much: the quotas on making pseudonyms, the limits on what one principal
// may hold at once, and the audit of every refused call.

// quotas are the per-principal quotas of DESIGN §7.
type quotas struct {
	pseudonyms    *quota.Quota // Code, CodeStream, Evaluate, EvaluateStream: values
	registrations *quota.Quota // Register, RegisterStream: records
}

func newQuotas(cfg *config.Config) quotas {
	q := quotas{pseudonyms: &quota.Quota{Name: "pseudonyms"}, registrations: &quota.Quota{Name: "registrations"}}
	q.setLimits(cfg)
	return q
}

// setLimits sets the quotas' limits to cfg's.
func (q quotas) setLimits(cfg *config.Config) {
	set := func(qu *quota.Quota, get func(*config.Quotas) *config.Quota) {
		limit := func(principal string) quota.Limit {
			q := cfg.QuotaOf(principal, get)
			if q.Unlimited {
				return quota.Limit{}
			}
			return quota.Limit{Rate: q.PerDay / 86400, Burst: q.Burst}
		}
		principals := map[string]quota.Limit{}
		for _, p := range cfg.Principals {
			principals[p.Name] = limit(p.Name)
		}
		qu.SetLimits(limit(""), principals)
	}
	set(q.pseudonyms, func(q *config.Quotas) *config.Quota { return q.Pseudonyms })
	set(q.registrations, func(q *config.Quotas) *config.Quota { return q.Registrations })
}

func newLimits(cfg *config.Config) *limits.Limits {
	l := cfg.LimitsOrDefault()
	return &limits.Limits{Calls: l.Calls, InFlightBytes: int64(l.InFlightMiB) << 20}
}

// holdFor binds the in-flight budget of ctx's principal for serveOrdered.
func (s *Server) holdFor(ctx context.Context) holdFunc {
	p, _ := authz.FromContext(ctx)
	return func(ctx context.Context, n int64) (func(), error) { return s.limits.Hold(ctx, p.Name, n) }
}

// startCall is the transport's tap: it takes one of the caller's call slots
// before the call's first message is read, so that calls over the limit
// cost the server nothing but their headers, and gives the slot back when
// the call ends. Health checks are not counted.
func (s *Server) startCall(authorizer *authz.Authorizer) tap.ServerInHandle {
	return func(ctx context.Context, info *tap.Info) (context.Context, error) {
		if strings.HasPrefix(info.FullMethodName, "/grpc.health.v1.") {
			return ctx, nil
		}
		caller := authorizer.Caller(ctx)
		done, err := s.limits.StartCall(caller.Name)
		if err != nil {
			st := status.Convert(toStatus(ctx, s.log, info.FullMethodName, err))
			s.refused(caller, info.FullMethodName, st)
			return nil, st.Err()
		}
		context.AfterFunc(ctx, done)
		return ctx, nil
	}
}

// refusedUnary and refusedStream record every call that ends refused.
func (s *Server) refusedUnary(authorizer *authz.Authorizer) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			s.refused(authorizer.Caller(ctx), info.FullMethod, status.Convert(err))
		}
		return resp, err
	}
}

func (s *Server) refusedStream(authorizer *authz.Authorizer) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		err := handler(srv, ss)
		if err != nil {
			s.refused(authorizer.Caller(ss.Context()), info.FullMethod, status.Convert(err))
		}
		return err
	}
}

// refused counts a refused call in the metrics and the audit log; an error
// that is not a refusal (the caller gave up, the server failed) is left.
func (s *Server) refused(caller authz.Principal, method string, st *status.Status) {
	reason, ok := refusalReason(st)
	if !ok {
		return
	}
	if caller.Roles == nil && (st.Code() == codes.PermissionDenied || st.Code() == codes.Unauthenticated) {
		reason = "authentication" // a certificate of the CA that names no configured principal
	}
	method = path.Base(method)
	s.metrics.refusals.WithLabelValues(method, caller.Name, reason).Inc()
	s.refusals.Record(refusals.Kind{Actor: caller.Actor(), Method: method, Reason: reason}, st.Message())
}

// refusalReason classifies a refusal by what the caller did wrong.
func refusalReason(st *status.Status) (string, bool) {
	switch st.Code() {
	case codes.Unauthenticated:
		return "authentication", true
	case codes.PermissionDenied:
		return "authorisation", true
	case codes.ResourceExhausted:
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok && info.Reason == quota.Reason {
				return "quota", true
			}
		}
		return "limit", true
	case codes.InvalidArgument, codes.FailedPrecondition, codes.NotFound, codes.AlreadyExists, codes.OutOfRange:
		return "invalid request", true
	}
	return "", false
}
