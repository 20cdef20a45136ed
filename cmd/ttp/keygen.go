package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/ttpnl/ttp/seal"
)

// keygenCommand makes a recipient's key pair for sealed values: NAME.key
// (the private key, mode 0600, never overwritten; it stays on this machine)
// and NAME.pub (the public key, for the TTP to register).
func keygenCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	suiteName := fs.String("suite", seal.MLKEM768X25519.String(), "HPKE suite: mlkem768x25519 (post-quantum hybrid) or x25519")
	out := fs.String("o", "recipient", "file name stem: writes STEM.key and STEM.pub")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return usageErr{err.Error()}
	}
	if len(pos) != 0 {
		return usageError("keygen takes no arguments")
	}
	suite, err := seal.ParseSuite(*suiteName)
	if err != nil {
		return usageErr{"-suite: " + err.Error()}
	}
	priv, err := seal.GenerateKey(suite)
	if err != nil {
		return err
	}
	keyFile, pubFile := *out+".key", *out+".pub"
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
