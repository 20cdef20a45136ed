package requests

import (
	"testing"
)

// A refused approval (the same member again, the applicant) would not
// approve: no domain is made for it.
func TestWouldApprove(t *testing.T) {
	r := newRequest(Variable{"birth_date", Direct})
	r.Submit("registry", DefaultPolicy(), t0)
	if wouldApprove(r, "committee", t0) {
		t.Fatal("a first of two approvals would approve")
	}
	r.Approve("committee", "", t0)
	for _, who := range []string{"committee", "registry"} {
		if wouldApprove(r, who, t0) {
			t.Errorf("%s's approval would approve", who)
		}
	}
	if !wouldApprove(r, "committee2", t0) || len(r.Approvals) != 1 {
		t.Fatalf("committee2's approval would not approve, or the dry run changed the request (%d approvals)", len(r.Approvals))
	}
}
