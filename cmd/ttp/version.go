package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/ttpnl/ttp/buildinfo"
)

// versionCommand is ttp version (and ttp -version): which ttp this is, and
// which Go built it, for a bug report or a check against a release.
type versionCommand struct{}

func (versionCommand) flags(*flag.FlagSet) {}

func (versionCommand) run(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("version takes no arguments")
	}
	_, err := fmt.Fprintln(stdout, buildinfo.Line("ttp"))
	return err
}
