// Command ttp is the command-line client of ttpd, for data brokers,
// registries, researchers and operators.
//
//	ttp code  -domain NAME -map field=column,... [-o OUT] [-report FILE] [-test] [-oblivious] [-seal-to RECIPIENT] IN.csv
//	ttp link  -domain NAME -map field=column,... [-source NAME] [-o OUT] [-report FILE] IN.csv
//	ttp open  -domain NAME -map field=column,... -private-key FILE [-o OUT] IN.csv
//	ttp keygen [-suite mlkem768x25519|x25519] [-o STEM]
//	ttp admin domain create|list|describe|rotate ...
//	ttp admin review list|resolve ...
//	ttp admin person split ...
//	ttp admin recipient register|list ...
//	ttp completion bash|zsh
//	ttp version
//
// -h on any command or subcommand ("ttp admin domain create -h") prints its
// usage and its flags. Every command that talks to the server takes -server
// -ca -cert -key, or the TTP_SERVER TTP_CA TTP_CERT TTP_KEY variables, or
// -env FILE / TTP_ENV naming a file of those variables (ttpd's dev mode
// writes one per client). Ctrl-C stops a command cleanly: ttp code and ttp
// link leave no output file and keep the last completed run's report.
// ttp code, link and convert exit 0 when every record was accepted, 1 when
// some were rejected, 2 when the file or the run failed.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Every command runs under this context, which Ctrl-C (or SIGTERM)
	// ends, so that a long run stops cleanly rather than mid-write.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal the next one kills at once, as it would
	// without NotifyContext: a clean stop that hangs cannot trap the user.
	context.AfterFunc(ctx, stop)
	code := commands.execute(ctx, nil, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
