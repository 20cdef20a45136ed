package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// printGroupUsage lists a group's subcommands with their summaries.
func (c *command) printGroupUsage(w io.Writer, path []string) {
	name := strings.Join(append([]string{"ttp"}, path...), " ")
	fmt.Fprintf(w, "usage: %s COMMAND ...\n\n", name)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range c.subs {
		fmt.Fprintf(tw, "  %s\t%s\n", s.name, s.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n'%s COMMAND -h' shows a command's usage and flags.\n", name)
	if c.notes != "" {
		fmt.Fprintf(w, "\n%s", c.notes)
	}
}

// printLeafUsage prints a leaf's usage line, its summary and its flags.
func (c *command) printLeafUsage(w io.Writer, path []string, fs *flag.FlagSet) {
	line := strings.Join(append([]string{"usage: ttp"}, path...), " ")
	if c.synopsis != "" {
		line += " " + c.synopsis
	}
	fmt.Fprintf(w, "%s\n\n%s\n", line, c.summary)
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintf(w, "\nflags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if c.notes != "" {
		fmt.Fprintf(w, "\n%s", c.notes)
	}
}
