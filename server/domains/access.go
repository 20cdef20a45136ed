package domains

import (
	"context"
	"slices"
	"strings"

	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/store"
)

// AccessChange adds and removes a domain's brokers and recipients.
type AccessChange struct {
	AddBrokers, RemoveBrokers       []string
	AddRecipients, RemoveRecipients []string
}

// UpdateAccess applies change to the named domain and records it in the
// audit log, in one transaction. The domain is read from the store under
// its lock, as Rotate reads it, so that two servers changing one domain at
// once apply both changes. Whether an added name is a principal that may
// have the role is the caller's to check (package domains knows no
// principals).
func (r *Registry) UpdateAccess(ctx context.Context, who audit.Actor, name string, change AccessChange) (*Domain, error) {
	var d *Domain
	err := r.st.Update(ctx, func(tx store.Tx) error {
		s, err := tx.Domains().Get(name)
		if err != nil {
			return err
		}
		var detail []string
		for _, l := range []struct {
			list        *[]string
			what, field string
			add, remove []string
		}{
			{&s.Brokers, "broker", "add_brokers", change.AddBrokers, change.RemoveBrokers},
			{&s.Recipients, "recipient", "add_recipients", change.AddRecipients, change.RemoveRecipients},
		} {
			changed, err := applyChange(*l.list, name, l.what, l.field, l.add, l.remove)
			if err != nil {
				return err
			}
			*l.list = changed
			if d := describeChange(l.add, l.remove); d != "" {
				detail = append(detail, l.what+"s "+d)
			}
		}
		if len(detail) == 0 {
			return apierr.BadField("name", "nothing to change: no broker or recipient to add or remove")
		}
		if err := tx.Domains().Update(s); err != nil {
			return err
		}
		s.Revision++
		if d, err = r.decode(s); err != nil {
			return err
		}
		rec := who.Record("UpdateDomain")
		rec.Domain, rec.Detail = name, strings.Join(detail, "; ")
		return r.log.AppendTx(tx, rec)
	})
	return r.changed(name, d, err)
}

// applyChange removes and adds names to list. A name added must not be
// listed, a name removed must be, and no name may be both: each of those
// is a mistake (a typo) that would otherwise pass unnoticed.
func applyChange(list []string, domain, what, field string, add, remove []string) ([]string, error) {
	out := slices.Clone(list)
	for _, n := range remove {
		i := slices.Index(out, n)
		if i < 0 {
			return nil, apierr.BadField(field, "%q is not a %s of domain %q", n, what, domain)
		}
		out = slices.Delete(out, i, i+1)
	}
	for _, n := range add {
		if n == "" {
			return nil, apierr.BadField(field, "a %s name is empty", what)
		}
		if slices.Contains(out, n) {
			return nil, apierr.BadField(field, "%q is a %s of domain %q already", n, what, domain)
		}
		if slices.Contains(remove, n) {
			return nil, apierr.BadField(field, "%q is both added and removed", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// describeChange is "+a +b -c", for the audit record.
func describeChange(add, remove []string) string {
	var parts []string
	for _, n := range add {
		parts = append(parts, "+"+n)
	}
	for _, n := range remove {
		parts = append(parts, "-"+n)
	}
	return strings.Join(parts, " ")
}
