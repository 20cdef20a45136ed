package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/client"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/seal"
)

// adminRecipientCommand registers and lists recipients' sealing keys:
//
//	ttp admin recipient register NAME FILE.pub
//	ttp admin recipient list
func adminRecipientCommand(args []string, stdout io.Writer) error {
	if len(args) < 1 {
		return usageError("admin recipient takes: register|list")
	}
	fs := flag.NewFlagSet("admin recipient "+args[0], flag.ContinueOnError)
	var conn connFlags
	conn.register(fs)
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return usageErr{err.Error()}
	}
	var keys []*ttpv1.RecipientKey
	var pubText string
	switch args[0] {
	case "register":
		if len(pos) != 2 {
			return usageError("admin recipient register takes a name and a public key file")
		}
		pub, err := seal.ReadPublicKeyFile(pos[1])
		if err != nil {
			return err
		}
		pubText = pub.Encode()
	case "list":
		if len(pos) != 0 {
			return usageError("admin recipient list takes no arguments")
		}
	default:
		return usageError("unknown admin recipient command %q", args[0])
	}
	cc, err := conn.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	admin := ttpv1.NewAdminServiceClient(cc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if args[0] == "register" {
		r, err := admin.RegisterRecipientKey(ctx, &ttpv1.RegisterRecipientKeyRequest{Name: pos[0], PublicKey: pubText})
		if err != nil {
			return err
		}
		keys = []*ttpv1.RecipientKey{r.Key}
	} else {
		r, err := admin.ListRecipientKeys(ctx, &ttpv1.ListRecipientKeysRequest{})
		if err != nil {
			return err
		}
		keys = r.Keys
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RECIPIENT\tSUITE\tFINGERPRINT\tREGISTERED")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Name, k.Suite, k.Fingerprint, stamp(k.RegisterTime.AsTime()))
	}
	return tw.Flush()
}

// domainModeFlag parses admin domain create's -mode.
func domainModeFlag(s string) (ttpv1.DomainMode, error) {
	switch strings.ToLower(s) {
	case "", "hmac":
		return ttpv1.DomainMode_DOMAIN_MODE_HMAC, nil
	case "oprf":
		return ttpv1.DomainMode_DOMAIN_MODE_OPRF, nil
	}
	return 0, usageError("-mode: want hmac or oprf")
}

// privacyFlags are ttp code's -oblivious and -seal-to.
type privacyFlags struct {
	oblivious bool
	sealTo    string
}

func (p *privacyFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&p.oblivious, "oblivious", false, "blind values here: the TTP never receives an identifier (OPRF domains)")
	fs.StringVar(&p.sealTo, "seal-to", "", "seal the pseudonym columns to this recipient's registered key")
}

func (p *privacyFlags) set() bool { return p.oblivious || p.sealTo != "" }

// options fetches the recipient's key, if any, and tells who it is.
func (p *privacyFlags) options(cc grpc.ClientConnInterface, stderr io.Writer) (client.PrivacyOptions, error) {
	opts := client.PrivacyOptions{Oblivious: p.oblivious}
	if p.sealTo == "" {
		return opts, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub, err := client.FetchRecipientKey(ctx, cc, p.sealTo)
	if err != nil {
		return opts, err
	}
	fmt.Fprintf(stderr, "sealing to %s: %s key, fingerprint %s\n", p.sealTo, pub.Suite(), pub.Fingerprint())
	opts.SealTo = pub
	return opts, nil
}

// modeName is the report's mode of a coding run.
func (p *privacyFlags) modeName() string {
	switch {
	case p.oblivious && p.sealTo != "":
		return "code (oblivious, sealed)"
	case p.oblivious:
		return "code (oblivious)"
	case p.sealTo != "":
		return "code (sealed)"
	}
	return "code"
}
