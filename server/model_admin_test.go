package server_test

import (
	"context"
	"strconv"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
	"github.com/ttpnl/ttp/synth"
)

// TestLinkageModelVersions: an operator estimates the model on the index's
// own records; the estimate is a new, inactive version shown beside the
// active model; activating it takes effect at once and survives a restart;
// every step is audited (the audit tests read the log; here the versions).
func TestLinkageModelVersions(t *testing.T) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}})
	ctx := context.Background()
	var first []*ttpv1.ModelLevel // version 1, as estimated
	t.Run("estimate", func(t *testing.T) {
		s := f.Start(t)
		admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
		if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: "nkr", Brokers: []string{"hospital"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.EstimateLinkageModel(ctx, &ttpv1.EstimateLinkageModelRequest{}); status.Code(err) != codes.FailedPrecondition {
			t.Fatalf("estimating on an empty index: %v; want FailedPrecondition", err)
		}
		// Two institutions' records of 400 persons, as a hospital sends them.
		pop := synth.NewPopulation(synth.Config{Seed: 3, Persons: 400, Institutions: 2, Profile: synth.DefaultProfile()})
		var batch []*ttpv1.Record
		hospital := s.Dial(t, "hospital")
		for r := range pop.Records() {
			batch = append(batch, rec(strconv.Itoa(len(batch)+1), r.AGB, r.PatientNumber, r.BSN, r.FamilyName, r.GivenNames, r.BirthDate, r.Sex, r.Postcode, r.HouseNo))
			if len(batch) == 500 {
				mustRegister(t, hospital, "nkr", linkFields, batch...)
				batch = nil
			}
		}
		mustRegister(t, hospital, "nkr", linkFields, batch...)

		resp, err := admin.EstimateLinkageModel(ctx, &ttpv1.EstimateLinkageModelRequest{RandomPairs: 20_000})
		if err != nil {
			t.Fatal(err)
		}
		first = resp.Levels
		if resp.Version != 1 || resp.CandidatePairs == 0 || len(resp.Levels) < 10 {
			t.Fatalf("estimate: version %d, %d pairs, %d levels", resp.Version, resp.CandidatePairs, len(resp.Levels))
		}
		// The generator seldom replaces a valid BSN by another: no pattern
		// with two valid BSNs goes to a clerk.
		if resp.ReplacedBsn > 0.01 || len(resp.OtherBsn) != 0 {
			t.Errorf("estimate: replaced BSNs %g, %d patterns to a clerk; want few and none", resp.ReplacedBsn, len(resp.OtherBsn))
		}
		changed := 0
		for _, l := range resp.Levels {
			if l.EstimatedM <= 0 || l.EstimatedM > 1 || l.EstimatedU <= 0 || l.EstimatedU > 1 {
				t.Errorf("%s/%s: m %g u %g out of (0, 1]", l.Comparison, l.Level, l.EstimatedM, l.EstimatedU)
			}
			if l.EstimatedM != l.ActiveM || l.EstimatedU != l.ActiveU {
				changed++
			}
		}
		if changed == 0 {
			t.Fatal("the estimate equals the active model: nothing was estimated")
		}
		list, err := admin.ListLinkageModels(ctx, &ttpv1.ListLinkageModelsRequest{})
		if err != nil || len(list.Versions) != 1 || list.Versions[0].Active {
			t.Fatalf("versions after estimating: %v %v; want one, inactive", list, err)
		}
		if _, err := admin.ActivateLinkageModel(ctx, &ttpv1.ActivateLinkageModelRequest{Version: 2}); status.Code(err) != codes.NotFound {
			t.Fatalf("activating a version that does not exist: %v", err)
		}
		if _, err := admin.ActivateLinkageModel(ctx, &ttpv1.ActivateLinkageModelRequest{Version: 1}); err != nil {
			t.Fatal(err)
		}
		// The active model is the estimate now: a second estimate starts
		// from it, so its "active" column is the first estimate's.
		again, err := admin.EstimateLinkageModel(ctx, &ttpv1.EstimateLinkageModelRequest{RandomPairs: 20_000})
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range again.Levels {
			if l.ActiveM != resp.Levels[i].EstimatedM {
				t.Fatalf("%s/%s: active m %g after activation, want the estimate's %g", l.Comparison, l.Level, l.ActiveM, resp.Levels[i].EstimatedM)
			}
		}
	})
	t.Run("restart", func(t *testing.T) {
		s := f.Start(t)
		admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
		list, err := admin.ListLinkageModels(ctx, &ttpv1.ListLinkageModelsRequest{})
		if err != nil || len(list.Versions) != 2 || !list.Versions[0].Active || list.Versions[1].Active {
			t.Fatalf("versions after a restart: %v %v; want 1 active, 2 not", list, err)
		}
		// The server uses version 1 after the restart: an estimate shows it
		// as the active model.
		again, err := admin.EstimateLinkageModel(ctx, &ttpv1.EstimateLinkageModelRequest{RandomPairs: 20_000})
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range again.Levels {
			if l.ActiveM != first[i].EstimatedM || l.ActiveU != first[i].EstimatedU {
				t.Fatalf("%s/%s after a restart: active m %g u %g, want version 1's %g %g", l.Comparison, l.Level, l.ActiveM, l.ActiveU, first[i].EstimatedM, first[i].EstimatedU)
			}
		}
		// Keeping the weights estimates only the patterns with two valid
		// BSNs: m and u are the active model's.
		kept, err := admin.EstimateLinkageModel(ctx, &ttpv1.EstimateLinkageModelRequest{KeepWeights: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range kept.Levels {
			if l.EstimatedM != l.ActiveM || l.EstimatedU != l.ActiveU {
				t.Fatalf("%s/%s with the weights kept: estimated m %g u %g, active %g %g", l.Comparison, l.Level, l.EstimatedM, l.EstimatedU, l.ActiveM, l.ActiveU)
			}
		}
	})
}
