package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

func adminCommand(args []string, stdout io.Writer) error {
	if len(args) >= 1 && args[0] == "review" {
		return reviewCommand(args[1:], stdout)
	}
	if len(args) >= 1 && args[0] == "person" {
		return splitCommand(args[1:], stdout)
	}
	if len(args) >= 1 && args[0] == "recipient" {
		return adminRecipientCommand(args[1:], stdout)
	}
	if len(args) < 2 || args[0] != "domain" {
		return usageError("admin takes: domain create|list|describe|rotate, review list|resolve, person split, recipient register|list")
	}
	fs := flag.NewFlagSet("admin domain "+args[1], flag.ContinueOnError)
	var conn connFlags
	conn.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	description := fs.String("description", "", "create: what the domain is for")
	brokers := fs.String("brokers", "", "create: principals that may code into the domain, comma-separated")
	recipients := fs.String("recipients", "", "create: principals that may receive from the domain, comma-separated")
	mode := fs.String("mode", "hmac", "create: hmac, or oprf for oblivious coding (docs/oblivious.md)")
	pos, err := parseInterleaved(fs, args[2:])
	if err != nil {
		return usageErr{err.Error()}
	}
	cc, err := conn.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	admin := ttpv1.NewAdminServiceClient(cc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	name := func() (string, error) {
		if len(pos) != 1 {
			return "", usageError("admin domain %s takes one domain name", args[1])
		}
		return pos[0], nil
	}
	var resp proto.Message
	var domains []*ttpv1.Domain
	switch args[1] {
	case "create":
		n, err := name()
		if err != nil {
			return err
		}
		m, err := domainModeFlag(*mode)
		if err != nil {
			return err
		}
		r, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: n, Description: *description, Brokers: splitList(*brokers), Recipients: splitList(*recipients), Mode: m})
		if err != nil {
			return err
		}
		resp, domains = r, []*ttpv1.Domain{r.Domain}
	case "list":
		r, err := admin.ListDomains(ctx, &ttpv1.ListDomainsRequest{})
		if err != nil {
			return err
		}
		resp, domains = r, r.Domains
	case "describe":
		n, err := name()
		if err != nil {
			return err
		}
		r, err := admin.DescribeDomain(ctx, &ttpv1.DescribeDomainRequest{Name: n})
		if err != nil {
			return err
		}
		resp, domains = r, []*ttpv1.Domain{r.Domain}
	case "rotate":
		n, err := name()
		if err != nil {
			return err
		}
		r, err := admin.RotateDomainKey(ctx, &ttpv1.RotateDomainKeyRequest{Name: n})
		if err != nil {
			return err
		}
		resp, domains = r, []*ttpv1.Domain{r.Domain}
	default:
		return usageError("unknown admin domain command %q", args[1])
	}
	if *asJSON {
		b, err := protojson.MarshalOptions{Multiline: true}.Marshal(resp)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, string(b))
		return err
	}
	if args[1] == "list" {
		return printDomainList(stdout, domains)
	}
	return printDomain(stdout, domains[0])
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

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
