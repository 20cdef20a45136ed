package server

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/ttpnl/ttp/server/apierr"
)

// codeOf is the one place where an error kind becomes a gRPC code.
var codeOf = map[apierr.Kind]codes.Code{
	apierr.Internal:           codes.Internal,
	apierr.InvalidArgument:    codes.InvalidArgument,
	apierr.NotFound:           codes.NotFound,
	apierr.AlreadyExists:      codes.AlreadyExists,
	apierr.PermissionDenied:   codes.PermissionDenied,
	apierr.Unauthenticated:    codes.Unauthenticated,
	apierr.FailedPrecondition: codes.FailedPrecondition,
	apierr.ResourceExhausted:  codes.ResourceExhausted,
}

// toStatus turns an error from a handler into the status the caller sees.
// Internal errors are logged and hidden: their text may name files or
// storage details that are none of the caller's business.
func toStatus(ctx context.Context, log *slog.Logger, method string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err // already a status (e.g. from gRPC itself)
	}
	if errors.Is(err, context.Canceled) {
		return status.Error(codes.Canceled, "canceled")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	}
	var e *apierr.Error
	if !errors.As(err, &e) || e.Kind == apierr.Internal {
		log.ErrorContext(ctx, "internal error", "method", method, "err", err)
		return status.Error(codes.Internal, "internal error")
	}
	st := status.New(codeOf[e.Kind], e.Message)
	if withDetails, err := st.WithDetails(details(e)...); err == nil {
		st = withDetails
	}
	return st.Err()
}

// errorDomain is the domain of the ErrorInfo reasons this server gives.
const errorDomain = "ttp.nl"

// details are the standard error details (google.rpc) that carry what a
// program needs of e: the bad fields, the reason, when to retry.
func details(e *apierr.Error) []protoadapt.MessageV1 {
	var out []protoadapt.MessageV1
	if len(e.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range e.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		}
		out = append(out, br)
	}
	if e.Reason != "" {
		out = append(out, &errdetails.ErrorInfo{Reason: e.Reason, Domain: errorDomain})
	}
	if e.RetryAfter > 0 {
		out = append(out, &errdetails.RetryInfo{RetryDelay: durationpb.New(e.RetryAfter)})
	}
	return out
}
