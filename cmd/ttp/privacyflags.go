package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/client"
)

// privacyFlags are ttp code's -oblivious and -seal-to.
type privacyFlags struct {
	oblivious bool
	sealTo    string
}

// recipientKeyTimeout bounds fetching the -seal-to recipient's key, one
// small call before the run starts.
const recipientKeyTimeout = 30 * time.Second

func (p *privacyFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&p.oblivious, "oblivious", false, "blind values here: the TTP never receives an identifier (OPRF domains)")
	fs.StringVar(&p.sealTo, "seal-to", "", "seal the pseudonym columns to this recipient's registered key")
}

func (p *privacyFlags) set() bool { return p.oblivious || p.sealTo != "" }

// options fetches the recipient's key, if any, and tells who it is.
func (p *privacyFlags) options(ctx context.Context, cc grpc.ClientConnInterface, stderr io.Writer) (client.PrivacyOptions, error) {
	opts := client.PrivacyOptions{Oblivious: p.oblivious}
	if p.sealTo == "" {
		return opts, nil
	}
	ctx, cancel := context.WithTimeout(ctx, recipientKeyTimeout)
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
