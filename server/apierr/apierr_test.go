package apierr_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ttpnl/ttp/server/apierr"
)

func TestKindOf(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want apierr.Kind
	}{
		{"nil", nil, apierr.Internal},
		{"plain error", errors.New("disk full"), apierr.Internal},
		{"not found", apierr.New(apierr.NotFound, "x"), apierr.NotFound},
		{"wrapped once", fmt.Errorf("ctx: %w", apierr.New(apierr.PermissionDenied, "x")), apierr.PermissionDenied},
		{"wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", apierr.New(apierr.ResourceExhausted, "x"))), apierr.ResourceExhausted},
		{"joined", errors.Join(errors.New("other"), apierr.New(apierr.AlreadyExists, "x")), apierr.AlreadyExists},
		{"bad field", apierr.BadField("f", "is %s", "wrong"), apierr.InvalidArgument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := apierr.KindOf(c.err); got != c.want {
				t.Fatalf("KindOf = %v, want %v", got, c.want)
			}
		})
	}
}

func TestBadField(t *testing.T) {
	e := apierr.BadField("fields", "field %d is unknown", 3)
	if e.Kind != apierr.InvalidArgument || e.Message != "fields: field 3 is unknown" {
		t.Fatalf("BadField = %+v", e)
	}
	if len(e.Violations) != 1 || e.Violations[0] != (apierr.FieldViolation{Field: "fields", Description: "field 3 is unknown"}) {
		t.Fatalf("violations %+v", e.Violations)
	}
	if e.Error() != "invalid argument: fields: field 3 is unknown" {
		t.Fatalf("Error() = %q", e.Error())
	}
}

func TestKindString(t *testing.T) {
	seen := map[string]bool{}
	for k := apierr.Internal; k <= apierr.ResourceExhausted; k++ {
		s := k.String()
		if s == "" || strings.HasPrefix(s, "kind(") || seen[s] {
			t.Errorf("kind %d has name %q", int(k), s)
		}
		seen[s] = true
	}
	if s := apierr.Kind(99).String(); s != "kind(99)" {
		t.Errorf("unknown kind prints %q", s)
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("Kind(-1).String() panics: %v", r)
			}
		}()
		if s := apierr.Kind(-1).String(); s != "kind(-1)" {
			t.Errorf("negative kind prints %q", s)
		}
	}()
}
