package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/seal"
)

// recipientRegister is ttp admin recipient register: register the public
// key a recipient made with ttp keygen, so that brokers can seal to it.
type recipientRegister struct{ conn connFlags }

func (c *recipientRegister) flags(fs *flag.FlagSet) { c.conn.register(fs) }

func (c *recipientRegister) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 2 {
		return usageError("admin recipient register takes a name and a public key file")
	}
	pub, err := seal.ReadPublicKeyFile(args[1])
	if err != nil {
		return err
	}
	req := &ttpv1.RegisterRecipientKeyRequest{Name: args[0], PublicKey: pub.Encode()}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		resp, err := admin.RegisterRecipientKey(ctx, req)
		if err != nil {
			return err
		}
		return printRecipientKeys(stdout, []*ttpv1.RecipientKey{resp.Key})
	})
}

// recipientList is ttp admin recipient list.
type recipientList struct{ conn connFlags }

func (c *recipientList) flags(fs *flag.FlagSet) { c.conn.register(fs) }

func (c *recipientList) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("admin recipient list takes no arguments")
	}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		resp, err := admin.ListRecipientKeys(ctx, &ttpv1.ListRecipientKeysRequest{})
		if err != nil {
			return err
		}
		return printRecipientKeys(stdout, resp.Keys)
	})
}

func printRecipientKeys(w io.Writer, keys []*ttpv1.RecipientKey) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RECIPIENT\tSUITE\tFINGERPRINT\tREGISTERED")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Name, k.Suite, k.Fingerprint, stamp(k.RegisterTime.AsTime()))
	}
	return tw.Flush()
}
