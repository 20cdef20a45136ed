package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"google.golang.org/grpc"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// The ttp request commands: a registry drafts, submits and closes linkage
// requests; the committee approves and rejects; everyone concerned lists
// and shows them.

// requestCreate is ttp request create.
type requestCreate struct {
	answerFlags
	project, recipient, sources, variables, purpose, basis, until string
	communicationRecipient                                        string
	communication                                                 bool
}

func (c *requestCreate) flags(fs *flag.FlagSet) {
	c.answerFlags.flags(fs)
	fs.StringVar(&c.project, "project", "", "the project's name (required)")
	fs.StringVar(&c.recipient, "recipient", "", "the researcher principal who receives the linked set (required)")
	fs.StringVar(&c.sources, "sources", "", "the source domains, comma-separated (required)")
	fs.StringVar(&c.variables, "variables", "", "the variables and their classes: name=A|B|C,... (required)")
	fs.StringVar(&c.purpose, "purpose", "", "what the linked set is for (required)")
	fs.StringVar(&c.basis, "basis", "", "the legal or consent basis")
	fs.StringVar(&c.until, "until", "", "the last day the request may be used, YYYY-MM-DD (default: a year from today)")
	fs.BoolVar(&c.communication, "communication", false, "ask for a communication file as well (name, address: kept apart from the research file)")
	fs.StringVar(&c.communicationRecipient, "communication-recipient", "", "who receives the communication file (default: the recipient)")
}

func (c *requestCreate) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("request create takes flags only")
	}
	if c.project == "" || c.recipient == "" || c.sources == "" || c.variables == "" || c.purpose == "" {
		return usageError("request create needs -project, -recipient, -sources, -variables and -purpose")
	}
	vars, err := parseVariables(c.variables)
	if err != nil {
		return usageErr{err.Error()}
	}
	req := &ttpv1.CreateLinkageRequestRequest{Project: c.project, Purpose: c.purpose, Basis: c.basis, Recipient: c.recipient,
		Sources: strings.Split(c.sources, ","), Variables: vars, Communication: c.communication, ValidUntil: c.until,
		CommunicationRecipient: c.communicationRecipient}
	return c.call(ctx, stdout, func(ctx context.Context, d ttpv1.DeliveryServiceClient) (answer, error) {
		resp, err := d.CreateLinkageRequest(ctx, req)
		return resp, err
	})
}

// parseVariables reads "name=A,name2=C".
func parseVariables(s string) ([]*ttpv1.RequestedVariable, error) {
	var out []*ttpv1.RequestedVariable
	for _, part := range strings.Split(s, ",") {
		name, class, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name == "" || (class != "A" && class != "B" && class != "C") {
			return nil, fmt.Errorf("-variables: %q is not name=A, name=B or name=C", part)
		}
		out = append(out, &ttpv1.RequestedVariable{Name: name, Class: class})
	}
	return out, nil
}

// answer is a server answer that holds one request.
type answer interface {
	GetRequest() *ttpv1.LinkageRequest
}

// call runs one DeliveryService call and prints the request it answers
// with: as JSON, or readably with the request ID as the last line, for
// scripts.
func (f *answerFlags) call(ctx context.Context, stdout io.Writer, call func(context.Context, ttpv1.DeliveryServiceClient) (answer, error)) error {
	return callServer(ctx, &f.conn, func(ctx context.Context, cc grpc.ClientConnInterface) error {
		resp, err := call(ctx, ttpv1.NewDeliveryServiceClient(cc))
		if err != nil {
			return err
		}
		if f.json {
			return printJSON(stdout, resp.GetRequest())
		}
		return printRequest(stdout, resp.GetRequest())
	})
}

func printRequest(w io.Writer, r *ttpv1.LinkageRequest) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "request\t%d\n", r.Id)
	fmt.Fprintf(tw, "state\t%s\n", r.State)
	if r.Kind == "reid" {
		return printReid(w, tw, r)
	}
	fmt.Fprintf(tw, "project\t%s\n", r.Project)
	fmt.Fprintf(tw, "applicant\t%s\n", r.Applicant)
	fmt.Fprintf(tw, "recipient\t%s\n", r.Recipient)
	fmt.Fprintf(tw, "sources\t%s\n", strings.Join(r.Sources, ", "))
	var vars []string
	for _, v := range r.Variables {
		vars = append(vars, v.Name+"="+v.Class)
	}
	fmt.Fprintf(tw, "variables\t%s\n", strings.Join(vars, ", "))
	fmt.Fprintf(tw, "communication file\t%v\n", r.Communication)
	if r.Communication {
		fmt.Fprintf(tw, "communication recipient\t%s\n", r.CommunicationRecipient)
	}
	fmt.Fprintf(tw, "purpose\t%s\n", r.Purpose)
	if r.Basis != "" {
		fmt.Fprintf(tw, "basis\t%s\n", r.Basis)
	}
	fmt.Fprintf(tw, "valid until\t%s\n", r.ValidUntil)
	if r.ApprovalsRequired > 0 {
		fmt.Fprintf(tw, "approvals\t%d of %d\n", len(r.Approvals), r.ApprovalsRequired)
	}
	for _, a := range r.Approvals {
		fmt.Fprintf(tw, "  approved by\t%s, %s: %s\n", a.Principal, stamp(a.Time.AsTime()), a.Reason)
	}
	if d := r.Rejection; d != nil {
		fmt.Fprintf(tw, "rejected by\t%s, %s: %s\n", d.Principal, stamp(d.Time.AsTime()), d.Reason)
	}
	if d := r.Closed; d != nil {
		fmt.Fprintf(tw, "closed by\t%s, %s: %s\n", d.Principal, stamp(d.Time.AsTime()), d.Reason)
	}
	if r.ProjectDomain != "" {
		fmt.Fprintf(tw, "project domain\t%s\n", r.ProjectDomain)
		if r.CommunicationDomain != "" {
			fmt.Fprintf(tw, "communication domain\t%s\n", r.CommunicationDomain)
		}
		fmt.Fprintf(tw, "conversions\t%d\n", r.Conversions)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, r.Id)
	return err
}

// requestID reads the one argument of a command on one request.
func requestID(cmd string, args []string) (uint64, error) {
	if len(args) != 1 {
		return 0, usageError("request %s takes one request ID", cmd)
	}
	id, err := strconv.ParseUint(args[0], 10, 64)
	if err != nil || id == 0 {
		return 0, usageError("request %s: %q is not a request ID", cmd, args[0])
	}
	return id, nil
}

// requestStep is ttp request submit, approve, reject, close and show: one
// call on one request, with a reason where the step takes one.
type requestStep struct {
	answerFlags
	step   string
	reason string
}

func (c *requestStep) flags(fs *flag.FlagSet) {
	c.answerFlags.flags(fs)
	switch c.step {
	case "approve", "reject", "close":
		fs.StringVar(&c.reason, "reason", "", "why (recorded with the decision; required to reject)")
	}
}

func (c *requestStep) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	id, err := requestID(c.step, args)
	if err != nil {
		return err
	}
	if c.step == "reject" && c.reason == "" {
		return usageError("request reject needs -reason")
	}
	return c.call(ctx, stdout, func(ctx context.Context, d ttpv1.DeliveryServiceClient) (answer, error) {
		switch c.step {
		case "submit":
			return d.SubmitLinkageRequest(ctx, &ttpv1.SubmitLinkageRequestRequest{Id: id})
		case "approve":
			return d.ApproveLinkageRequest(ctx, &ttpv1.ApproveLinkageRequestRequest{Id: id, Reason: c.reason})
		case "reject":
			return d.RejectLinkageRequest(ctx, &ttpv1.RejectLinkageRequestRequest{Id: id, Reason: c.reason})
		case "close":
			return d.CloseLinkageRequest(ctx, &ttpv1.CloseLinkageRequestRequest{Id: id, Reason: c.reason})
		default:
			return d.GetLinkageRequest(ctx, &ttpv1.GetLinkageRequestRequest{Id: id})
		}
	})
}

// requestList is ttp request list.
type requestList struct{ answerFlags }

func (c *requestList) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("request list takes no arguments")
	}
	return callServer(ctx, &c.conn, func(ctx context.Context, cc grpc.ClientConnInterface) error {
		resp, err := ttpv1.NewDeliveryServiceClient(cc).ListLinkageRequests(ctx, &ttpv1.ListLinkageRequestsRequest{})
		if err != nil {
			return err
		}
		if c.json {
			return printJSON(stdout, resp)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATE\tPROJECT\tAPPLICANT\tRECIPIENT\tSOURCES\tAPPROVALS\tVALID UNTIL")
		for _, r := range resp.Requests {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\n", r.Id, r.State, r.Project, r.Applicant, r.Recipient,
				strings.Join(r.Sources, ","), len(r.Approvals), r.ApprovalsRequired, r.ValidUntil)
		}
		return tw.Flush()
	})
}

// printReid prints the rest of a re-identification request: who asked,
// from which domain, why, and the approvals; never whom.
func printReid(w io.Writer, tw *tabwriter.Writer, r *ttpv1.LinkageRequest) error {
	fmt.Fprintf(tw, "kind\tre-identification through the data holder\n")
	fmt.Fprintf(tw, "applicant\t%s\n", r.Applicant)
	fmt.Fprintf(tw, "domain\t%s\n", strings.Join(r.Sources, ", "))
	fmt.Fprintf(tw, "reason\t%s\n", r.Purpose)
	fmt.Fprintf(tw, "approvals\t%d of %d\n", len(r.Approvals), r.ApprovalsRequired)
	for _, a := range r.Approvals {
		fmt.Fprintf(tw, "  approved by\t%s, %s: %s\n", a.Principal, stamp(a.Time.AsTime()), a.Reason)
	}
	if d := r.Rejection; d != nil {
		fmt.Fprintf(tw, "rejected by\t%s, %s: %s\n", d.Principal, stamp(d.Time.AsTime()), d.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, r.Id)
	return err
}
