package requests

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/store"
)

// Desk keeps the requests in the store: every change is read under the
// request's lock, checked, written back and audited in one transaction.
type Desk struct {
	st      store.Store
	log     *audit.Log
	domains *domains.Registry
	kek     *keys.KEK
	policy  *Policy
	rand    io.Reader
	now     func() time.Time
	// checkRecipient says why a principal may not receive linked sets (not
	// a researcher, no registered sealing key), or nil; communication says
	// it is for a communication file, which needs a sealing key only.
	checkRecipient func(principal string, communication bool) error
	// reidentify answers an approved re-identification: the sealed answers
	// by broker principal, and a detail for the audit record that names
	// nobody. Nil: re-identification is not configured.
	reidentify func(ctx context.Context, r *Request) (map[string][]string, string, error)
}

// Reidentify sets how the desk answers approved re-identifications.
func (d *Desk) Reidentify(fn func(ctx context.Context, r *Request) (map[string][]string, string, error)) {
	d.reidentify = fn
}

// CreateReid files a re-identification request for applicant p, submitted
// at once: it needs two committee approvals.
func (d *Desk) CreateReid(ctx context.Context, p authz.Principal, domain, reason string, pseudonyms []string) (*Request, error) {
	if d.reidentify == nil {
		return nil, apierr.New(apierr.FailedPrecondition, "re-identification is not configured on this server (reid_key_file)")
	}
	now := d.now().UTC()
	r := &Request{Kind: KindReid, Applicant: p.Name, ApplicantOrganisation: p.Organisation, Project: "re-identification",
		Purpose: reason, Sources: []string{domain}, Pseudonyms: pseudonyms, Created: now, ValidUntil: day(now).AddDate(0, 3, 0), State: Submitted}
	if err := r.CheckReid(); err != nil {
		return nil, err
	}
	r.Required = d.policy.Approvals(r)
	return r, d.store(ctx, p, "CreateReidRequest", r, fmt.Sprintf("%d person pseudonyms of %s", len(pseudonyms), domain))
}

// ReidAnswers gives broker p its hospital's sealed answers to an approved
// re-identification, and audits that it fetched them.
func (d *Desk) ReidAnswers(ctx context.Context, p authz.Principal, id uint64) ([]string, error) {
	var out []string
	_, err := d.changeAs(ctx, p, id, "FetchReidAnswers", readAny, func(r *Request, now time.Time) (string, error) {
		if r.Kind != KindReid {
			return "", notFound(id)
		}
		if err := r.want("answered", now, Approved, Delivered); err != nil {
			return "", err
		}
		answers, ok := r.Results[p.Name]
		if !ok {
			return "", apierr.New(apierr.NotFound, "request %d has no answer for %q: none of its persons' records came from your organisation, or you have no registered sealing key", id, p.Name)
		}
		out = answers
		r.Converted()
		return fmt.Sprintf("%d sealed answers fetched by %s", len(answers), p.Name), nil
	}, nil)
	return out, err
}

// NewDesk returns the desk for the requests in st.
func NewDesk(st store.Store, log *audit.Log, reg *domains.Registry, kek *keys.KEK, policy *Policy,
	checkRecipient func(string, bool) error, now func() time.Time) *Desk {
	return &Desk{st: st, log: log, domains: reg, kek: kek, policy: policy, rand: rand.Reader, now: now, checkRecipient: checkRecipient}
}

// Create drafts r for applicant p.
func (d *Desk) Create(ctx context.Context, p authz.Principal, r *Request) (*Request, error) {
	now := d.now().UTC()
	r.Applicant, r.ApplicantOrganisation, r.State, r.Created = p.Name, p.Organisation, Draft, now
	if r.ValidUntil.IsZero() {
		r.ValidUntil = day(now).AddDate(1, 0, 0)
	}
	r.ValidUntil = day(r.ValidUntil)
	if err := r.Check(now); err != nil {
		return nil, err
	}
	if err := d.checkRecipient(r.Recipient, false); err != nil {
		return nil, apierr.BadField("recipient", "%v", err)
	}
	switch {
	case !r.Communication && r.CommunicationRecipient != "":
		return nil, apierr.BadField("communication_recipient", "is only for a request with a communication file")
	case r.Communication && r.CommunicationRecipient == "":
		r.CommunicationRecipient = r.Recipient
	}
	if r.Communication {
		if err := d.checkRecipient(r.CommunicationRecipient, true); err != nil {
			return nil, apierr.BadField("communication_recipient", "%v", err)
		}
	}
	for _, s := range r.Sources {
		if _, err := d.domains.Get(s); err != nil {
			return nil, apierr.BadField("sources", "no domain %q", s)
		}
	}
	if err := d.store(ctx, p, "CreateLinkageRequest", r, ""); err != nil {
		return nil, err
	}
	return r, nil
}

// store stores a new request, numbering it, with its audit record.
func (d *Desk) store(ctx context.Context, p authz.Principal, action string, r *Request, detail string) error {
	data, err := r.Encode()
	if err != nil {
		return err
	}
	return d.st.Update(ctx, func(tx store.Tx) error {
		id, err := tx.Requests().Create(data)
		if err != nil {
			return err
		}
		r.ID = id
		return d.log.AppendTx(tx, d.record(p, action, r, detail))
	})
}

// Submit hands request id to the committee.
func (d *Desk) Submit(ctx context.Context, p authz.Principal, id uint64) (*Request, error) {
	return d.change(ctx, p, id, "SubmitLinkageRequest", func(r *Request, now time.Time) (string, error) {
		return fmt.Sprintf("needs %d approvals", d.policy.Approvals(r)), r.Submit(p.Name, d.policy, now)
	})
}

// Approve records p's approval of request id. The approval that makes it
// approved also makes its project domain (and, when a communication file
// was asked for, a second domain for it) and its delivery key. Domains are
// made in transactions of their own, before the approval's: when the
// approval then fails, they stay unused.
func (d *Desk) Approve(ctx context.Context, p authz.Principal, id uint64, reason string) (*Request, error) {
	var project, contact string
	var answers map[string][]string
	var answered string
	if r, err := d.Get(ctx, p, id); err == nil && wouldApprove(r, p.Name, d.now()) && r.Kind == KindReid {
		if answers, answered, err = d.reidentify(ctx, r); err != nil {
			return nil, err
		}
	} else if err == nil && wouldApprove(r, p.Name, d.now()) {
		if project, err = d.newDomain(ctx, p, "project", r); err != nil {
			return nil, err
		}
		if r.Communication {
			if contact, err = d.newDomain(ctx, p, "contact", r); err != nil {
				return nil, err
			}
		}
	}
	return d.change(ctx, p, id, "ApproveLinkageRequest", func(r *Request, now time.Time) (string, error) {
		approved, err := r.Approve(p.Name, reason, now)
		if err != nil || !approved {
			return fmt.Sprintf("approval %d of %d", len(r.Approvals), r.Required), err
		}
		if r.Kind == KindReid {
			if answers == nil {
				return "", apierr.New(apierr.FailedPrecondition, "request %d changed while it was being approved; approve again", id)
			}
			r.Results = answers
			return fmt.Sprintf("approval %d of %d: approved; %s", len(r.Approvals), r.Required, answered), nil
		}
		if project == "" {
			// Another member's approval came in between: rare, and safe to retry.
			return "", apierr.New(apierr.FailedPrecondition, "request %d changed while it was being approved; approve again", id)
		}
		r.ProjectDomain, r.CommunicationDomain = project, contact
		if r.WrappedKey, err = d.newDeliveryKey(r.ID, false); err != nil {
			return "", err
		}
		if r.Communication {
			if r.WrappedCommunicationKey, err = d.newDeliveryKey(r.ID, true); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("approval %d of %d: approved; project domain %s", len(r.Approvals), r.Required, r.ProjectDomain), nil
	})
}

// wouldApprove reports whether who's approval would make r approved now:
// only then are its domains made.
func wouldApprove(r *Request, who string, now time.Time) bool {
	dry := *r
	dry.Approvals = slices.Clone(r.Approvals)
	approved, err := dry.Approve(who, "", now)
	return err == nil && approved
}

// newDeliveryKey makes a random delivery key for request id and returns it
// wrapped under the KEK.
func (d *Desk) newDeliveryKey(id uint64, communication bool) ([]byte, error) {
	key := make([]byte, 32)
	defer clear(key)
	if _, err := io.ReadFull(d.rand, key); err != nil {
		return nil, err
	}
	return d.kek.Wrap(key, deliveryKeyAAD(id, communication), d.rand)
}

// newDomain makes one of an approved request's domains and returns its
// name, which carries random digits so that nobody can make it in advance
// with an access list of their own. Only the request's recipient may
// receive from it.
func (d *Desk) newDomain(ctx context.Context, p authz.Principal, kind string, r *Request) (string, error) {
	var b [4]byte
	if _, err := io.ReadFull(d.rand, b[:]); err != nil {
		return "", err
	}
	name := kind + "-" + strconv.FormatUint(r.ID, 10) + "-" + hex.EncodeToString(b[:])
	_, err := d.domains.CreateForRequest(ctx, p.Actor(), name, fmt.Sprintf("%s domain of linkage request %d (%s)", kind, r.ID, r.Project),
		domains.Access{Recipients: []string{r.Recipient}}, r.ID)
	return name, err
}

// Reject ends request id.
func (d *Desk) Reject(ctx context.Context, p authz.Principal, id uint64, reason string) (*Request, error) {
	return d.change(ctx, p, id, "RejectLinkageRequest", func(r *Request, now time.Time) (string, error) {
		return "rejected", r.Reject(p.Name, reason, now)
	})
}

// Close closes request id.
func (d *Desk) Close(ctx context.Context, p authz.Principal, id uint64, reason string) (*Request, error) {
	return d.change(ctx, p, id, "CloseLinkageRequest", func(r *Request, now time.Time) (string, error) {
		return "closed", r.Close(p.Name, reason, now)
	})
}

// ConversionKeys are the unwrapped keys of a conversion.
type ConversionKeys struct {
	Project       []byte
	Communication []byte // nil unless asked for
}

// ForConversion returns request id and its delivery keys for a conversion
// from domain by p, who the caller has checked may receive from domain;
// with communication, the communication key too. The request is not
// otherwise shown to p: a registry that converts under another's request
// sees its state and nothing else.
func (d *Desk) ForConversion(ctx context.Context, p authz.Principal, id uint64, domain string, communication bool) (*Request, ConversionKeys, error) {
	var r *Request
	var keys ConversionKeys
	err := d.st.View(ctx, func(tx store.Tx) error {
		var err error
		if r, err = readAny(tx, p, id); err != nil {
			return err
		}
		if err := r.CheckConversion(domain, d.now()); err != nil {
			return err
		}
		if communication && !r.Communication {
			return apierr.New(apierr.FailedPrecondition, "request %d has no communication file", id)
		}
		if keys.Project, err = d.kek.Unwrap(r.WrappedKey, deliveryKeyAAD(id, false)); err != nil {
			return fmt.Errorf("request %d's delivery key: %w", id, err)
		}
		if communication {
			if keys.Communication, err = d.kek.Unwrap(r.WrappedCommunicationKey, deliveryKeyAAD(id, true)); err != nil {
				return fmt.Errorf("request %d's communication key: %w", id, err)
			}
		}
		return nil
	})
	if err != nil && apierr.KindOf(err) != apierr.Internal {
		err = d.auditRefusal(ctx, p, id, "ConvertStream", domain, err)
	}
	return r, keys, err
}

// Converted counts a conversion under request id, with what it converted
// into the project domain's key version, and audits it: the counts in the
// record's fields, for the committee's report.
func (d *Desk) Converted(ctx context.Context, p authz.Principal, id uint64, domain string, version keys.Version, rows, converted int64) error {
	_, err := d.changeAs(ctx, p, id, "ConvertStream", readAny, func(r *Request, now time.Time) (string, error) {
		r.Converted()
		return fmt.Sprintf("from %s: %d rows, %d converted", domain, rows, converted), nil
	}, func(rec *audit.Record) {
		rec.KeyVersion, rec.Records, rec.Accepted, rec.Rejected, rec.Pseudonyms = uint32(version), rows, converted, rows-converted, converted
	})
	return err
}

// change applies fn to request id under its lock and audits it, with fn's
// detail. A refusal is audited too, with the request's number, so that the
// committee's report of a request shows it (the server's refused-call
// audit records it as well, counted per minute, without the number).
func (d *Desk) change(ctx context.Context, p authz.Principal, id uint64, action string, fn func(r *Request, now time.Time) (string, error)) (*Request, error) {
	return d.changeAs(ctx, p, id, action, d.read, fn, nil)
}

// changeAs is change with the read that decides whether p may act on the
// request, and fill, if not nil, adds counts to the audit record.
func (d *Desk) changeAs(ctx context.Context, p authz.Principal, id uint64, action string,
	read func(store.Tx, authz.Principal, uint64) (*Request, error), fn func(r *Request, now time.Time) (string, error),
	fill func(*audit.Record)) (*Request, error) {
	var out *Request
	err := d.st.Update(ctx, func(tx store.Tx) error {
		r, err := read(tx, p, id)
		if err != nil {
			return err
		}
		detail, err := fn(r, d.now().UTC())
		if err != nil {
			return err
		}
		data, err := r.Encode()
		if err != nil {
			return err
		}
		if err := tx.Requests().Update(store.LinkageRequest{ID: id, Data: data}); err != nil {
			return err
		}
		out = r
		rec := d.record(p, action, r, detail)
		if fill != nil {
			fill(&rec)
		}
		return d.log.AppendTx(tx, rec)
	})
	if err != nil && apierr.KindOf(err) != apierr.Internal {
		err = d.auditRefusal(ctx, p, id, action, "", err)
	}
	return out, err
}

// read reads request id as p may see it: a request p may not see is not
// found, so that nobody learns which requests exist.
func (d *Desk) read(tx store.Tx, p authz.Principal, id uint64) (*Request, error) {
	r, err := readAny(tx, p, id)
	if err == nil && !MaySee(p, r) {
		return nil, notFound(id)
	}
	return r, err
}

// readAny reads request id for a caller that was checked otherwise (a
// registry converting from one of the request's sources).
func readAny(tx store.Tx, _ authz.Principal, id uint64) (*Request, error) {
	q, err := tx.Requests().Get(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, err
	}
	return Decode(q.ID, q.Data)
}

func notFound(id uint64) error {
	return apierr.New(apierr.NotFound, "no linkage request %d that you may see", id)
}

// MaySee reports whether p may see r: its applicant, its recipients, the
// committee and the TTP's operators.
func MaySee(p authz.Principal, r *Request) bool {
	if _, answered := r.Results[p.Name]; answered {
		return true
	}
	return p.Name == r.Applicant || p.Name == r.Recipient || (r.Communication && p.Name == r.CommunicationRecipient) ||
		p.Has(authz.Committee) || p.Has(authz.Operator)
}

// Get returns request id, if p may see it.
func (d *Desk) Get(ctx context.Context, p authz.Principal, id uint64) (*Request, error) {
	var r *Request
	err := d.st.View(ctx, func(tx store.Tx) error {
		var err error
		r, err = d.read(tx, p, id)
		return err
	})
	return r, err
}

// List returns the requests p may see, by ID.
func (d *Desk) List(ctx context.Context, p authz.Principal) ([]*Request, error) {
	var out []*Request
	err := d.st.View(ctx, func(tx store.Tx) error {
		qs, err := tx.Requests().List()
		if err != nil {
			return err
		}
		for _, q := range qs {
			r, err := Decode(q.ID, q.Data)
			if err != nil {
				return err
			}
			if MaySee(p, r) {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

// DeliveryKeyForRecipient unwraps request id's delivery key (or, with
// communication, its communication key) for the recipient it is for, who
// alone may have it, and audits that it was handed out. The caller seals it
// to the recipient's public key at once.
func (d *Desk) DeliveryKeyForRecipient(ctx context.Context, p authz.Principal, id uint64, communication bool) ([]byte, error) {
	var key []byte
	err := d.st.Update(ctx, func(tx store.Tx) error {
		r, err := d.read(tx, p, id)
		if err != nil {
			return err
		}
		wrapped, owner, what := r.WrappedKey, r.Recipient, "delivery key"
		if communication {
			wrapped, owner, what = r.WrappedCommunicationKey, r.CommunicationRecipient, "communication key"
			if !r.Communication {
				return apierr.New(apierr.FailedPrecondition, "request %d has no communication file", id)
			}
		}
		if p.Name != owner {
			return apierr.New(apierr.PermissionDenied, "request %d: only %q may have its %s", id, owner, what)
		}
		if len(wrapped) == 0 {
			return apierr.New(apierr.FailedPrecondition, "request %d is %s: it has no %s before it is approved", id, r.StateAt(d.now()), what)
		}
		if key, err = d.kek.Unwrap(wrapped, deliveryKeyAAD(id, communication)); err != nil {
			return fmt.Errorf("request %d's %s: %w", id, what, err)
		}
		return d.log.AppendTx(tx, d.record(p, "GetDeliveryKey", r, what+" handed to "+p.Name+", sealed"))
	})
	return key, err
}

// deliveryKeyAAD binds a wrapped delivery key to its request and kind, so
// that one wrapped key cannot be passed off as another.
func deliveryKeyAAD(id uint64, communication bool) []byte {
	label := "ttp/v1 delivery key "
	if communication {
		label = "ttp/v1 communication key "
	}
	return strconv.AppendUint([]byte(label), id, 10)
}

// auditRefusal records that p was refused action on request id, and
// returns the refusal, joined with the failure to record it if it failed.
func (d *Desk) auditRefusal(ctx context.Context, p authz.Principal, id uint64, action, domain string, refused error) error {
	rec := p.Actor().Record(action)
	rec.Domain, rec.Outcome, rec.Request, rec.Detail = domain, "refused", id, fmt.Sprintf("request %d: %v", id, refused)
	if err := d.log.Append(context.WithoutCancel(ctx), rec, nil); err != nil {
		return errors.Join(refused, err)
	}
	return refused
}

// record is the audit record of action on r.
func (d *Desk) record(p authz.Principal, action string, r *Request, detail string) audit.Record {
	rec := p.Actor().Record(action)
	rec.Domain, rec.Request = r.ProjectDomain, r.ID
	rec.Detail = fmt.Sprintf("request %d (%s): %s", r.ID, r.State, detail)
	return rec
}
