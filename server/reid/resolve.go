package reid

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/reidanswer"
	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/store"
)

// Resolver finds, for a registry's person pseudonyms, the hospitals that
// supplied the persons' records and their patient numbers.
type Resolver struct {
	Store store.Store
	Index *linkage.Index
	Key   *Key
	// Brokers lists the broker principals of an organisation, each with
	// its registered public key, or nil if it has none.
	Brokers func(organisation string) map[string]*seal.PublicKey
}

// Summary counts a resolution, for the audit record; it names nobody.
type Summary struct {
	Pseudonyms, Persons, Records, Hospitals, Undeliverable int
}

// Resolve opens pseudonyms of domain (any key version; merges followed;
// withdrawn and objecting persons left out), reads their records' sealed
// sources, and returns each answer by broker principal, sealed to its key.
// A hospital whose organisation has no broker with a registered key gets
// nothing (counted as undeliverable).
func (r *Resolver) Resolve(ctx context.Context, request uint64, reason string, domain *domains.Domain, pseudonyms []string) (map[string][]string, Summary, error) {
	sum := Summary{Pseudonyms: len(pseudonyms)}
	survivors, err := r.Index.Survivors(ctx)
	if err != nil {
		return nil, sum, err
	}
	persons := map[uint64]bool{}
	for _, p := range pseudonyms {
		v, err := keys.PseudonymVersion(p)
		if err != nil {
			continue
		}
		pc, err := domain.Keyring.PersonCipher(v)
		if err != nil {
			continue
		}
		person, err := pc.OpenPersonPseudonymForConversion(p)
		if err != nil {
			continue
		}
		if person, ok := survivors.Of(person); ok {
			persons[person] = true
		}
	}
	sum.Persons = len(persons)
	byOrg := map[string][]reidanswer.Patient{}
	err = r.Store.View(ctx, func(tx store.Tx) error {
		px := tx.Index()
		objected, err := px.Objected(slices.Collect(maps.Keys(persons)))
		if err != nil {
			return err
		}
		for person := range persons {
			if objected[person] {
				continue
			}
			recs, err := px.OfPerson(person, 1000)
			if err != nil {
				return err
			}
			ids := make([]uint64, len(recs))
			for i, rec := range recs {
				ids[i] = rec.ID
			}
			sealed, err := px.ReidSources(ids)
			if err != nil {
				return err
			}
			for id, b := range sealed {
				src, err := r.Key.OpenSource(id, b)
				if err != nil {
					return fmt.Errorf("record %d's sealed source: %w", id, err)
				}
				byOrg[src.Organisation] = append(byOrg[src.Organisation], src.Patient)
				sum.Records++
			}
		}
		return nil
	})
	if err != nil {
		return nil, sum, err
	}
	out := map[string][]string{}
	for org, srcs := range byOrg {
		brokers := r.Brokers(org)
		if len(brokers) == 0 {
			sum.Undeliverable += len(srcs)
			continue
		}
		sum.Hospitals++
		slices.SortFunc(srcs, func(a, b reidanswer.Patient) int {
			return cmp.Or(strings.Compare(a.AGB, b.AGB), strings.Compare(a.PatientNumber, b.PatientNumber),
				strings.Compare(a.File, b.File), strings.Compare(a.Row, b.Row))
		})
		for lo := 0; lo < len(srcs); lo += reidanswer.MaxPatients {
			body, err := json.Marshal(reidanswer.Answer{Request: request, Reason: reason, Patients: srcs[lo:min(lo+reidanswer.MaxPatients, len(srcs))]})
			if err != nil {
				return nil, sum, err
			}
			for name, pub := range brokers {
				cell, err := seal.Seal(pub, reidanswer.Info(request), body)
				if err != nil {
					return nil, sum, err
				}
				out[name] = append(out[name], cell)
			}
		}
	}
	return out, sum, nil
}
