package seal

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func deliveryKey(t testing.TB, request uint64, fill byte) *DeliveryKey {
	return deliveryKeyOf(t, request, ProjectKey, fill)
}

func deliveryKeyOf(t testing.TB, request uint64, kind DeliveryKind, fill byte) *DeliveryKey {
	k, err := NewDeliveryKey(request, kind, bytes.Repeat([]byte{fill}, DeliveryKeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestDeliveryRoundTrip(t *testing.T) {
	k := deliveryKey(t, 12, 1)
	const p = "v1.4kuiwnpqhqqkzl7eibvzt6xvda"
	a, b := k.Seal(p), k.Seal(p)
	if a == b {
		t.Fatal("two seals of one pseudonym are equal: a recipient of two files could link them without the key")
	}
	if strings.Contains(a, p) || !strings.HasPrefix(a, "p1.12.") {
		t.Fatalf("cell %q", a)
	}
	for _, c := range []string{a, b} {
		if got, err := k.Open(c); err != nil || got != p {
			t.Fatalf("open = %q, %v", got, err)
		}
	}
	if r, kind, err := DeliveryRequest(a); err != nil || r != 12 || kind != ProjectKey {
		t.Fatalf("DeliveryRequest = %d, %v, %v", r, kind, err)
	}
}

// A communication cell never opens as a project cell, even under the same
// key bytes, and says what it is.
func TestCommunicationKeyIsApart(t *testing.T) {
	project, comm := deliveryKeyOf(t, 12, ProjectKey, 1), deliveryKeyOf(t, 12, CommunicationKey, 1)
	cell := comm.Seal("v1.abc")
	if !strings.HasPrefix(cell, "c1.12.") {
		t.Fatalf("communication cell %q", cell)
	}
	if r, kind, err := DeliveryRequest(cell); err != nil || r != 12 || kind != CommunicationKey {
		t.Fatalf("DeliveryRequest = %d, %v, %v", r, kind, err)
	}
	if _, err := project.Open(cell); !errors.Is(err, ErrOpen) {
		t.Errorf("project key opened a communication cell: %v", err)
	}
	// Relabelled as a project cell, it still does not open.
	if _, err := project.Open("p1." + strings.TrimPrefix(cell, "c1.")); !errors.Is(err, ErrOpen) {
		t.Errorf("relabelled cell: %v", err)
	}
	if got, err := comm.Open(cell); err != nil || got != "v1.abc" {
		t.Errorf("open = %q, %v", got, err)
	}
}

func TestDeliveryOpenFailures(t *testing.T) {
	k := deliveryKey(t, 12, 1)
	cell := k.Seal("v1.abc")
	other := deliveryKey(t, 12, 2)
	if _, err := other.Open(cell); !errors.Is(err, ErrOpen) {
		t.Errorf("wrong key: %v", err)
	}
	// The same key bytes under another request number: the number is bound.
	moved := deliveryKey(t, 13, 1)
	if _, err := moved.Open("p1.13." + strings.TrimPrefix(cell, "p1.12.")); !errors.Is(err, ErrOpen) {
		t.Errorf("cell moved to request 13: %v", err)
	}
	if _, err := k.Open(cell[:len(cell)-2] + "AA"); !errors.Is(err, ErrOpen) && !errors.Is(err, ErrNotDelivery) {
		t.Errorf("altered: %v", err)
	}
	for _, bad := range []string{"", "p1", "p1.12", "p1..x", "p1.012.AAAA", "p1.-1.AAAA", "p1.12.!!!", "s1.x25519.AAAA", "p1.12." + strings.Repeat("A", 300)} {
		if _, err := k.Open(bad); err == nil {
			t.Errorf("opened %q", bad)
		}
	}
}

func FuzzDeliveryOpen(f *testing.F) {
	k := deliveryKey(f, 12, 1)
	f.Add(k.Seal("v1.abc"))
	f.Add("p1.12.")
	f.Fuzz(func(t *testing.T, cell string) {
		_, err := k.Open(cell)
		r, kind, rerr := DeliveryRequest(cell)
		if err == nil && (rerr != nil || r != 12 || kind != ProjectKey) {
			t.Fatalf("opened a cell of request %d (%v)", r, rerr)
		}
	})
}
