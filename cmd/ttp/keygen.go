package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/ttpnl/ttp/seal"
)

// keygenCommand is ttp keygen: make a recipient's key pair for sealed
// values, STEM.key (the private key, mode 0600, never overwritten; it stays
// on this machine) and STEM.pub (the public key, for the TTP to register).
type keygenCommand struct {
	suite, stem string
}

func (c *keygenCommand) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.suite, "suite", seal.MLKEM768X25519.String(), "HPKE suite: mlkem768x25519 (post-quantum hybrid) or x25519")
	fs.StringVar(&c.stem, "o", "recipient", "file name stem: writes STEM.key and STEM.pub")
}

func (c *keygenCommand) run(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("keygen takes no arguments")
	}
	suite, err := seal.ParseSuite(c.suite)
	if err != nil {
		return usageErr{"-suite: " + err.Error()}
	}
	priv, err := seal.GenerateKey(suite)
	if err != nil {
		return err
	}
	keyFile, pubFile := c.stem+".key", c.stem+".pub"
	if err := seal.WritePrivateKeyFile(keyFile, priv); err != nil {
		return err
	}
	if err := seal.WritePublicKeyFile(pubFile, priv.Public()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "private key: %s (keep it here, and a backup: nothing else opens values sealed to it)\n", keyFile)
	fmt.Fprintf(stdout, "public key:  %s (send it to the TTP to register)\n", pubFile)
	fmt.Fprintf(stdout, "suite:       %s\n", suite)
	fmt.Fprintf(stdout, "fingerprint: %s\n", priv.Public().Fingerprint())
	return nil
}
