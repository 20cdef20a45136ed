package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"google.golang.org/protobuf/proto"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// domainCreate is ttp admin domain create.
type domainCreate struct {
	answerFlags
	description, brokers, recipients, mode string
}

func (c *domainCreate) flags(fs *flag.FlagSet) {
	c.answerFlags.flags(fs)
	fs.StringVar(&c.description, "description", "", "what the domain is for")
	fs.StringVar(&c.brokers, "brokers", "", "principals that may code into the domain, comma-separated")
	fs.StringVar(&c.recipients, "recipients", "", "principals that may receive from the domain, comma-separated")
	fs.StringVar(&c.mode, "mode", "hmac", "hmac, or oprf for oblivious coding (docs/oblivious.md)")
}

func (c *domainCreate) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	name, err := domainName("create", args)
	if err != nil {
		return err
	}
	mode, err := domainMode(c.mode)
	if err != nil {
		return err
	}
	req := &ttpv1.CreateDomainRequest{Name: name, Description: c.description, Brokers: splitList(c.brokers), Recipients: splitList(c.recipients), Mode: mode}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		resp, err := admin.CreateDomain(ctx, req)
		if err != nil {
			return err
		}
		return printDomainAnswer(stdout, c.json, resp, resp.Domain)
	})
}

// domainList is ttp admin domain list.
type domainList struct{ answerFlags }

func (c *domainList) run(ctx context.Context, _ []string, stdout, _ io.Writer) error {
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		resp, err := admin.ListDomains(ctx, &ttpv1.ListDomainsRequest{})
		if err != nil {
			return err
		}
		if c.json {
			return printJSON(stdout, resp)
		}
		return printDomainList(stdout, resp.Domains)
	})
}

// domainDescribe is ttp admin domain describe.
type domainDescribe struct{ answerFlags }

func (c *domainDescribe) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	name, err := domainName("describe", args)
	if err != nil {
		return err
	}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		resp, err := admin.DescribeDomain(ctx, &ttpv1.DescribeDomainRequest{Name: name})
		if err != nil {
			return err
		}
		return printDomainAnswer(stdout, c.json, resp, resp.Domain)
	})
}

// domainRotate is ttp admin domain rotate.
type domainRotate struct{ answerFlags }

func (c *domainRotate) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	name, err := domainName("rotate", args)
	if err != nil {
		return err
	}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		resp, err := admin.RotateDomainKey(ctx, &ttpv1.RotateDomainKeyRequest{Name: name})
		if err != nil {
			return err
		}
		return printDomainAnswer(stdout, c.json, resp, resp.Domain)
	})
}

// domainUpdate is ttp admin domain update.
type domainUpdate struct {
	answerFlags
	addBrokers, removeBrokers, addRecipients, removeRecipients listFlag
}

func (c *domainUpdate) flags(fs *flag.FlagSet) {
	c.answerFlags.flags(fs)
	fs.Var(&c.addBrokers, "add-broker", "let `PRINCIPAL` code into the domain (repeatable, or a comma list)")
	fs.Var(&c.removeBrokers, "remove-broker", "stop `PRINCIPAL` coding into the domain (repeatable, or a comma list)")
	fs.Var(&c.addRecipients, "add-recipient", "let `PRINCIPAL` receive from the domain (repeatable, or a comma list)")
	fs.Var(&c.removeRecipients, "remove-recipient", "stop `PRINCIPAL` receiving from the domain (repeatable, or a comma list)")
}

func (c *domainUpdate) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	name, err := domainName("update", args)
	if err != nil {
		return err
	}
	req := &ttpv1.UpdateDomainRequest{Name: name, AddBrokers: c.addBrokers, RemoveBrokers: c.removeBrokers,
		AddRecipients: c.addRecipients, RemoveRecipients: c.removeRecipients}
	if len(req.AddBrokers)+len(req.RemoveBrokers)+len(req.AddRecipients)+len(req.RemoveRecipients) == 0 {
		return usageError("admin domain update: nothing to change: give -add-broker, -remove-broker, -add-recipient or -remove-recipient")
	}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		resp, err := admin.UpdateDomain(ctx, req)
		if err != nil {
			return err
		}
		return printDomainAnswer(stdout, c.json, resp, resp.Domain)
	})
}

// domainName is the one argument of admin domain create, describe,
// rotate and update.
func domainName(subcommand string, args []string) (string, error) {
	if len(args) != 1 {
		return "", usageError("admin domain %s takes one domain name", subcommand)
	}
	return args[0], nil
}

// domainMode parses admin domain create's -mode.
func domainMode(s string) (ttpv1.DomainMode, error) {
	switch strings.ToLower(s) {
	case "", "hmac":
		return ttpv1.DomainMode_DOMAIN_MODE_HMAC, nil
	case "oprf":
		return ttpv1.DomainMode_DOMAIN_MODE_OPRF, nil
	}
	return 0, usageError("-mode: want hmac or oprf")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// printDomainAnswer prints an answer about one domain: the answer as JSON,
// or the domain as text.
func printDomainAnswer(w io.Writer, asJSON bool, resp proto.Message, d *ttpv1.Domain) error {
	if asJSON {
		return printJSON(w, resp)
	}
	return printDomain(w, d)
}

func printDomainList(w io.Writer, ds []*ttpv1.Domain) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKEY VERSION\tBROKERS\tCREATED\tDESCRIPTION")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\tv%d\t%s\t%s\t%s\n", d.Name, d.CurrentKeyVersion, strings.Join(d.Brokers, ","), stamp(d.CreateTime.AsTime()), d.Description)
	}
	return tw.Flush()
}

func printDomain(w io.Writer, d *ttpv1.Domain) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "domain\t%s\n", d.Name)
	fmt.Fprintf(tw, "description\t%s\n", d.Description)
	fmt.Fprintf(tw, "brokers\t%s\n", strings.Join(d.Brokers, ", "))
	if len(d.Recipients) > 0 {
		fmt.Fprintf(tw, "recipients\t%s\n", strings.Join(d.Recipients, ", "))
	}
	if d.Mode == ttpv1.DomainMode_DOMAIN_MODE_OPRF {
		fmt.Fprintf(tw, "mode\toprf\n")
	}
	fmt.Fprintf(tw, "created\t%s\n", stamp(d.CreateTime.AsTime()))
	fmt.Fprintf(tw, "current key\tv%d\n", d.CurrentKeyVersion)
	for _, v := range d.KeyVersions {
		fmt.Fprintf(tw, "key version\tv%d\tcreated %s\n", v.Version, stamp(v.CreateTime.AsTime()))
	}
	return tw.Flush()
}
