package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// versionCommand is ttp version (and ttp -version): which ttp this is, and
// which Go built it, for a bug report or a check against a release.
type versionCommand struct{}

func (versionCommand) flags(*flag.FlagSet) {}

func (versionCommand) run(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("version takes no arguments")
	}
	_, err := fmt.Fprintf(stdout, "ttp version %s, built with %s\n", moduleVersion(), runtime.Version())
	return err
}

// moduleVersion is the version of the module ttp was built from: a release
// tag (go install ...@v1.2.3), a pseudo-version, or "devel" when the build
// recorded none (go run, go test, a build without version control stamps).
func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return "devel"
	}
	return info.Main.Version
}
