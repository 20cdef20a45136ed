package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// A command is one node of ttp's command tree. A group (subs) only chooses
// among its subcommands; a leaf (newRunner) parses its own flags and runs.
type command struct {
	name      string
	aliases   []string // other words that choose it: ttp -version
	summary   string   // one line, shown in its group's usage and its own
	synopsis  string   // a leaf's usage line after "ttp PATH"
	notes     string   // printed at the end of its usage
	newRunner func() runner
	subs      []*command
}

// A runner is a leaf command: its flags and what it does with them. A new
// runner is made for every run, so its fields are that run's flag values.
type runner interface {
	// flags defines the command's flags, and only those, on fs.
	flags(fs *flag.FlagSet)
	// run does the command with the arguments the flags left.
	run(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// execute runs what args choose below c, which path leads to from ttp (nil
// for ttp itself), and returns the exit code: 0, 1 for a failure, 2 for a
// mistake on the command line; the commands that code a file say more
// (exitError).
func (c *command) execute(ctx context.Context, path, args []string, stdout, stderr io.Writer) int {
	if c.newRunner != nil {
		return c.runLeaf(ctx, path, args, stdout, stderr)
	}
	return c.choose(ctx, path, args, stdout, stderr)
}

// choose passes the arguments after the first to the subcommand the first
// one names.
func (c *command) choose(ctx context.Context, path, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		if len(path) > 0 { // a bare "ttp" shows the usage and nothing else
			fmt.Fprintf(stderr, "ttp: %s takes: %s\n", strings.Join(path, " "), c.listing())
		}
	case isHelp(args[0]):
		c.printGroupUsage(stdout, path)
		return 0
	default:
		if sub := c.sub(args[0]); sub != nil {
			return sub.execute(ctx, slices.Concat(path, []string{sub.name}), args[1:], stdout, stderr)
		}
		fmt.Fprintf(stderr, "ttp: unknown %s %q\n", strings.Join(slices.Concat(path, []string{"command"}), " "), args[0])
	}
	// No subcommand, or an unknown one: a mistake on the command line.
	c.printGroupUsage(stderr, path)
	return 2
}

// runLeaf parses the flags of leaf command c and runs it.
func (c *command) runLeaf(ctx context.Context, path, args []string, stdout, stderr io.Writer) int {
	r := c.newRunner()
	fs := flag.NewFlagSet("ttp "+strings.Join(path, " "), flag.ContinueOnError)
	// ttp prints the usage itself: to stdout when asked for with -h, to
	// stderr after a mistake, and never twice.
	fs.SetOutput(io.Discard)
	r.flags(fs)
	pos, err := parseInterleaved(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		c.printLeafUsage(stdout, path, fs)
		return 0
	case err != nil:
		err = usageErr{err.Error()}
	default:
		err = r.run(ctx, pos, stdout, stderr)
	}
	if err == nil {
		return 0
	}
	var exit exitError
	if errors.As(err, &exit) && !errors.As(err, new(usageErr)) {
		if exit.err != nil {
			fmt.Fprintln(stderr, "ttp:", exit.err)
		}
		return exit.status
	}
	fmt.Fprintln(stderr, "ttp:", err)
	if errors.As(err, new(usageErr)) {
		c.printLeafUsage(stderr, path, fs)
		return 2
	}
	return 1
}

// sub returns the subcommand named word, or nil.
func (c *command) sub(word string) *command {
	for _, s := range c.subs {
		if s.name == word || slices.Contains(s.aliases, word) {
			return s
		}
	}
	return nil
}

// listing names a group's subcommands, and theirs one level down:
// "domain create|list, review list|resolve".
func (c *command) listing() string {
	names := make([]string, len(c.subs))
	for i, s := range c.subs {
		names[i] = s.name
		if len(s.subs) > 0 {
			subNames := make([]string, len(s.subs))
			for j, ss := range s.subs {
				subNames[j] = ss.name
			}
			names[i] += " " + strings.Join(subNames, "|")
		}
	}
	return strings.Join(names, ", ")
}

// isHelp says whether a group's first argument asks for its usage.
func isHelp(arg string) bool {
	return slices.Contains([]string{"help", "-h", "-help", "--help"}, arg)
}

// parseInterleaved parses flags that may come before or after the
// positional arguments ("rotate demo -env f" as well as "rotate -env f demo").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// usageErr is a mistake on the command line: ttp prints the command's usage
// after it and exits 2.
type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

func usageError(format string, args ...any) error { return usageErr{fmt.Sprintf(format, args...)} }

// exitError ends ttp with an exit status of its own, printing err if there
// is one. The commands that code a file (code, link, convert) exit with
// 0 when every record was accepted, 1 when the run completed and some were
// rejected (the report says which), and 2 when the file or the run failed
// (or on a mistake on the command line), so that a script can tell them
// apart.
type exitError struct {
	status int
	err    error // nil: the summary said it all
}

func (e exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.status)
	}
	return e.err.Error()
}

func (e exitError) Unwrap() error { return e.err }

// Exit statuses of the commands that code a file.
const (
	exitRejected = 1 // the run completed; some records were rejected
	exitFailed   = 2 // the file or the run failed
)

// runFailed makes the error of a run that failed end ttp with exitFailed;
// a mistake on the command line stays one.
func runFailed(err error) error {
	if err == nil || errors.As(err, new(usageErr)) || errors.As(err, new(exitError)) {
		return err
	}
	return exitError{exitFailed, err}
}
