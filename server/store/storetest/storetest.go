// Package storetest is the conformance suite of store.Store. Every backend
// runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Factory{New: ..., Reopen: ..., Peer: ...})
//	}
//
// The suite checks each repository method and each rule that store.go
// documents, and a few that it leaves implicit, which every backend must
// follow so that the server behaves the same on each:
//
//   - A zero-length byte slice or list, nil or not, reads back as nil; any
//     other reads back equal, byte for byte. Returned slices belong to the
//     caller (changing them changes nothing stored), and so do the slices
//     passed in once a method returns.
//   - Times read back in UTC, equal to what was written to at least the
//     microsecond.
//   - Domains.Create and Recipients.Put ignore the Revision passed in.
//   - PersonIndex: SetPerson of an absent record gives ErrNotFound;
//     AddPersons of a recorded person gives ErrExists and RemovePerson of
//     an unrecorded one ErrNotFound (so that Stats stays a true count);
//     Lock may be taken more than once in a transaction.
//   - Records come back with their Blocks in the order Add was given them.
//   - PersonIndex.Add takes any non-zero ID, not only those ReserveIDs
//     gave (the suite uses fixed IDs where it does not test ReserveIDs),
//     in any order: BlockMembers orders by ID, not by when Add ran.
//   - AppendChange numbers committed changes without gaps, also after a
//     rolled-back transaction appended one.
//   - Shared reports true exactly for backends that give a Peer.
package storetest

import (
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

// Factory makes the stores the suite runs on.
type Factory struct {
	// New returns a fresh, empty store. The suite may close it; New should
	// also close it with t.Cleanup, where a second Close must do no harm.
	New func(t *testing.T) store.Store
	// Reopen closes s and opens the same data again, as after a restart.
	Reopen func(t *testing.T, s store.Store) store.Store
	// Peer returns a second handle on the same data, as another process
	// would have it; nil for backends that one process owns.
	Peer func(t *testing.T, s store.Store) store.Store
}

// Run runs the whole suite.
func Run(t *testing.T, f Factory) {
	if f.New == nil || f.Reopen == nil {
		t.Fatal("storetest: Factory needs New and Reopen")
	}
	t.Run("Transactions", func(t *testing.T) { testTransactions(t, f) })
	t.Run("Domains", func(t *testing.T) { testDomains(t, f) })
	t.Run("Recipients", func(t *testing.T) { testRecipients(t, f) })
	t.Run("Keyrings", func(t *testing.T) { testKeyrings(t, f) })
	t.Run("Requests", func(t *testing.T) { testRequests(t, f) })
	t.Run("Models", func(t *testing.T) { testModels(t, f) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, f) })
	t.Run("Index", func(t *testing.T) { testIndex(t, f) })
	t.Run("Reviews", func(t *testing.T) { testReviews(t, f) })
	t.Run("Changes", func(t *testing.T) { testChanges(t, f) })
	t.Run("DomainMembers", func(t *testing.T) { testDomainMembers(t, f) })
	t.Run("DeleteRecords", func(t *testing.T) { testDeleteRecords(t, f) })
	t.Run("Objections", func(t *testing.T) { testObjections(t, f) })
	t.Run("ReidSources", func(t *testing.T) { testReidSources(t, f) })
	t.Run("History", func(t *testing.T) { testHistory(t, f) })
	t.Run("Durability", func(t *testing.T) { testDurability(t, f) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, f) })
}
