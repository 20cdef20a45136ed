// Command ttp is the command-line client of ttpd, for data brokers,
// registries, researchers and operators.
//
//	ttp code  -domain NAME -map field=column,... [-o OUT] [-report FILE] [-test] IN.csv
//	ttp link  -domain NAME -map field=column,... [-source NAME] [-o OUT] [-report FILE] IN.csv
//	ttp admin review list|resolve ...
//	ttp admin person split ...
//	ttp admin domain create|list|describe|rotate ...
//	ttp admin recipient register|list ...
//	ttp keygen [-suite S] [-o STEM]
//	ttp open -domain NAME -map field=column,... -private-key FILE [-o OUT] IN.csv
//
// Every command that talks to the server takes -server -ca -cert -key, or
// the TTP_SERVER TTP_CA TTP_CERT TTP_KEY variables, or -env FILE / TTP_ENV
// naming a file of those variables (ttpd's dev mode writes one per client).
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage:
  ttp code -domain NAME -map field=column,... [-o OUT] [-report FILE] [-test] IN.csv
           [-oblivious] [-seal-to RECIPIENT]
  ttp link -domain NAME -map field=column,... [-source NAME] [-o OUT] [-report FILE] IN.csv
  ttp admin domain create [-description TEXT] [-brokers a,b] [-recipients c,d] NAME
  ttp admin domain list
  ttp admin domain describe NAME
  ttp admin domain rotate NAME
  ttp admin review list [-json]
  ttp admin review resolve -match|-non-match ID
  ttp admin person split (-agb A -patient-number N | -source S -row-key K)
  ttp admin recipient register NAME FILE.pub
  ttp admin recipient list
  ttp keygen [-suite mlkem768x25519|x25519] [-o STEM]
  ttp open -domain NAME -map field=column,... -private-key FILE [-o OUT] IN.csv

Connection (every command but 'code -test', keygen and open): -server -ca -cert -key, or
TTP_SERVER TTP_CA TTP_CERT TTP_KEY, or -env FILE / TTP_ENV.
Fields: bsn family_name given_names initials birth_date sex postcode
house_number agb patient_number. Problem codes: docs/problem-codes.md.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: tests call it.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "code":
		err = codeCommand(args[1:], stdout, stderr)
	case "link":
		err = linkCommand(args[1:], stdout, stderr)
	case "keygen":
		err = keygenCommand(args[1:], stdout, stderr)
	case "open":
		err = openCommand(args[1:], stdout, stderr)
	case "admin":
		err = adminCommand(args[1:], stdout)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usageError("unknown command %q", args[0])
	}
	if err != nil {
		fmt.Fprintln(stderr, "ttp:", err)
		if _, ok := err.(usageErr); ok {
			fmt.Fprint(stderr, usage)
			return 2
		}
		return 1
	}
	return 0
}

type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

func usageError(format string, args ...any) error { return usageErr{fmt.Sprintf(format, args...)} }
