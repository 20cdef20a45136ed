package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/xuri/excelize/v2"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/client/csvfile"
	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/servertest"
)

// TestMain makes the test binary double as the ttp command: testscript puts
// a copy named "ttp" on the tests' PATH and runs main from it.
//
// It does not call pgtest.Main, as packages that use pgtest should: both
// Mains exit, so either one nested in the other skips the outer one's
// clean-up, and testscript's is the removal of the copy of this binary.
// pgtest's watchdog stops the PostgreSQL cluster instead, as soon as this
// process exits (each script's database is dropped when the script ends).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"ttp": main})
}

// TestScripts runs the scripts in testdata/script, each against a real
// server of its own (loopback mTLS) with the domains nkr and nhr, both coded
// into by "hospital": every script once on each store backend (subtests
// badger/NAME and postgres/NAME), except the few that never reach the store
// (storeIndependent), which run on Badger only.
//
// A script runs ttp as hospital by default (TTP_SERVER TTP_CA TTP_CERT
// TTP_KEY TTP_AUDIT_KEY); $OPERATOR_ENV, $HOSPITAL2_ENV, $REGISTRY_ENV,
// $REGISTRY2_ENV, $RESEARCHER_ENV, $COMMITTEE_ENV and $COMMITTEE2_ENV are
// env files for -env, and
// $MALFORMED is the directory of broken sample files (testdata/malformed).
//
// Custom commands, beside testscript's own (grep, cmp, exists, ...):
//
//	csvcell FILE ROW COL REGEXP    the cell matches (! : does not)
//	samecol COL FILE:ROW FILE:ROW  same non-empty value in column COL
//	diffcol COL FILE:ROW FILE:ROW  different values in column COL
//	dropcols FILE COL...           print FILE without the columns COL...
//	exits N COMMAND ARGS...        runs COMMAND (as exec does) and wants exit status N
//	cmpreport FILE WANT            FILE is WANT, once the time and the tool's version
//	                               in FILE are written TIME and VERSION
//	xlsxcell FILE SHEET CELL REGEXP  the workbook's cell matches (! : does not)
//
// ROW is a 1-based data row number, or the value in the row's first column
// (A0003); * in csvcell is every row, and in samecol and diffcol every row
// pair of two files with as many rows. UPDATE_SCRIPTS=1 rewrites the golden
// files of failing "cmp stdout FILE" lines from what ttp does now.
func TestScripts(t *testing.T) {
	runScripts(t, "script")
}

var knownBugs = flag.Bool("knownbugs", false, "run the scripts in testdata/knownbugs")

// TestKnownBugs runs scripts that show bugs not fixed yet (in files this
// package does not own): they fail until the fix is in, then move to
// testdata/script. go test ./cmd/ttp -run KnownBugs -knownbugs
func TestKnownBugs(t *testing.T) {
	if !*knownBugs {
		t.Skip("scripts of open bugs: run with -knownbugs")
	}
	runScripts(t, "knownbugs")
}

// runScripts runs the scripts in testdata/DIR on each backend.
func runScripts(t *testing.T, dir string) {
	for _, b := range servertest.Backends {
		t.Run(string(b), func(t *testing.T) {
			files := scriptFiles(t, dir, b)
			if len(files) == 0 {
				t.Skipf("no scripts in testdata/%s for %s", dir, b)
			}
			testscript.Run(t, scriptParams(files, b))
		})
	}
}

// storeIndependent are the scripts that never reach the server's store
// (command-line mistakes, help, test mode): they run on Badger only. A
// script not listed runs on every backend.
var storeIndependent = map[string]bool{
	"help.txtar":                  true,
	"help_all.txtar":              true,
	"usage.txtar":                 true,
	"testmode.txtar":              true,
	"testmode_nothing_left.txtar": true,
	"release.txtar":               true,
}

// scriptFiles are the scripts in testdata/DIR to run on backend b.
func scriptFiles(t *testing.T, dir string, b servertest.Backend) []string {
	all, err := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range all {
		if b == servertest.Badger || !storeIndependent[filepath.Base(f)] {
			files = append(files, f)
		}
	}
	return files
}

func scriptParams(files []string, b servertest.Backend) testscript.Params {
	return testscript.Params{
		Files: files,
		Setup: func(env *testscript.Env) error { return setupServer(env, b) },
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"csvcell":   cmdCSVCell,
			"samecol":   func(ts *testscript.TestScript, neg bool, args []string) { compareCol(ts, neg, args, true) },
			"diffcol":   func(ts *testscript.TestScript, neg bool, args []string) { compareCol(ts, neg, args, false) },
			"dropcols":  cmdDropCols,
			"exits":     cmdExits,
			"cmpreport": cmdCmpReport,
			"xlsxcell":  cmdXLSXCell,
		},
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") != "",
	}
}

// setupServer starts the script's server on backend b; it stops when the
// script's subtest ends (Start registers a Cleanup on it).
func setupServer(env *testscript.Env, b servertest.Backend) error {
	t, ok := env.T().(testing.TB)
	if !ok {
		return fmt.Errorf("testscript's T is a %T, not a testing.TB", env.T())
	}
	f, addr, err := startServerOn(t, b)
	if err != nil {
		return err
	}

	// The broken sample files for people, in the repository's testdata.
	malformed, err := filepath.Abs(filepath.Join("..", "..", "testdata", "malformed"))
	if err != nil {
		return err
	}
	env.Setenv("MALFORMED", malformed)

	for name, value := range settingsVars(f.Settings("hospital", addr)) {
		env.Setenv(name, value)
	}
	for _, p := range []string{"operator", "hospital2", "registry", "registry2", "researcher", "committee", "committee2"} {
		path := filepath.Join(f.Dir, p+".env")
		var body strings.Builder
		for name, value := range settingsVars(f.Settings(p, addr)) {
			fmt.Fprintf(&body, "%s=%s\n", name, value)
		}
		if err := os.WriteFile(path, []byte(body.String()), 0o600); err != nil {
			return err
		}
		env.Setenv(strings.ToUpper(p)+"_ENV", path)
	}
	return nil
}

// startServer starts a server (loopback mTLS, Badger store) for the
// principals operator, hospital and hospital2 (brokers of two
// organisations), registry and registry2, researcher, committee and
// committee2, with the domains nkr and nhr, both coded into by hospital. It
// stops when t ends.
func startServer(t testing.TB) (*servertest.Fixture, string, error) {
	return startServerOn(t, servertest.Badger)
}

// startServerOn is startServer with its store on backend b.
func startServerOn(t testing.TB, b servertest.Backend) (*servertest.Fixture, string, error) {
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "hospital", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "hospital2", Roles: []authz.Role{authz.Broker}},
		servertest.Principal{Name: "registry", Roles: []authz.Role{authz.Registry}},
		servertest.Principal{Name: "registry2", Roles: []authz.Role{authz.Registry}},
		servertest.Principal{Name: "researcher", Roles: []authz.Role{authz.Researcher}},
		servertest.Principal{Name: "committee", Roles: []authz.Role{authz.Committee}},
		servertest.Principal{Name: "committee2", Roles: []authz.Role{authz.Committee}},
	)
	f.UseBackend(t, b)
	// Re-identification through the data holder, for the domains the
	// delivery script makes.
	f.Config.ReidKeyFile, f.Config.ReidDomains = filepath.Join(f.Dir, "reid.key"), []string{"cancer", "heart"}
	if err := keys.WriteNewKEKFile(f.Config.ReidKeyFile, rand.Reader); err != nil {
		return nil, "", err
	}
	if err := f.Config.Write(f.ConfigPath); err != nil {
		return nil, "", err
	}
	s := f.Start(t)

	admin := ttpv1.NewAdminServiceClient(s.Dial(t, "operator"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, d := range []struct{ name, description string }{
		{"nkr", "Nederlandse Kankerregistratie"},
		{"nhr", "Nederlandse Hart Registratie"},
	} {
		if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: d.name, Description: d.description, Brokers: []string{"hospital"}}); err != nil {
			return nil, "", fmt.Errorf("create domain %s: %w", d.name, err)
		}
	}
	return f, s.Addr(), nil
}

// settingsVars are the TTP_* variables that give settings s.
func settingsVars(s client.Settings) map[string]string {
	return map[string]string{client.EnvServer: s.Server, client.EnvCA: s.CA, client.EnvCert: s.Cert, client.EnvKey: s.Key, client.EnvAuditKey: s.AuditKey}
}

// csvTable is a CSV file read whole, with its separator detected as ttp does.
type csvTable struct {
	header []string
	rows   [][]string
}

func readTable(ts *testscript.TestScript, file string) *csvTable {
	f, err := os.Open(ts.MkAbs(file))
	ts.Check(err)
	defer f.Close()
	r, err := csvfile.NewReader(f, csvfile.Options{})
	if err != nil {
		ts.Fatalf("%s: %v", file, err)
	}
	tab := &csvTable{header: r.Header()}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return tab
		}
		if err != nil {
			ts.Fatalf("%s: %v", file, err)
		}
		tab.rows = append(tab.rows, row.Fields)
	}
}

func (tab *csvTable) col(ts *testscript.TestScript, file, name string) int {
	for i, h := range tab.header {
		if h == name {
			return i
		}
	}
	ts.Fatalf("%s: no column %q in %q", file, name, tab.header)
	return -1
}

// row finds a data row: a number is the 1-based data row, anything else is
// the value in the row's first column (A0003).
func (tab *csvTable) row(ts *testscript.TestScript, file, spec string) []string {
	if n, err := strconv.Atoi(spec); err == nil {
		if n < 1 || n > len(tab.rows) {
			ts.Fatalf("%s: no data row %d (%d rows)", file, n, len(tab.rows))
		}
		return tab.rows[n-1]
	}
	for _, r := range tab.rows {
		if len(r) > 0 && r[0] == spec {
			return r
		}
	}
	ts.Fatalf("%s: no row with %q in the first column", file, spec)
	return nil
}

// csvcell FILE ROW COL REGEXP: the cell matches REGEXP (with !: does not);
// ROW * checks every row.
func cmdCSVCell(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: csvcell FILE ROW COL REGEXP")
	}
	file, spec, name := args[0], args[1], args[2]
	re, err := regexp.Compile(args[3])
	ts.Check(err)
	tab := readTable(ts, file)
	c := tab.col(ts, file, name)
	rows := tab.rows
	if spec != "*" {
		rows = [][]string{tab.row(ts, file, spec)}
	} else if len(rows) == 0 {
		ts.Fatalf("%s: no data rows", file)
	}
	for i, row := range rows {
		if c >= len(row) {
			ts.Fatalf("%s row %s: no column %s", file, spec, name)
		}
		if got := row[c]; re.MatchString(got) == neg {
			if spec == "*" {
				spec = strconv.Itoa(i + 1)
			}
			ts.Fatalf("%s row %s column %s: %q, want %s%q", file, spec, name, got, map[bool]string{true: "no match for ", false: ""}[neg], args[3])
		}
	}
}

// samecol COL FILE:ROW FILE:ROW: the two rows hold the same non-empty value
// in column COL. diffcol: different values. ROW * compares every row, in
// order, of two files with as many rows. Not negatable: a negation would
// also pass on a missing row or column.
func compareCol(ts *testscript.TestScript, neg bool, args []string, same bool) {
	name := map[bool]string{true: "samecol", false: "diffcol"}[same]
	if neg {
		ts.Fatalf("use samecol or diffcol rather than ! %s", name)
	}
	if len(args) != 3 {
		ts.Fatalf("usage: %s COL FILE:ROW FILE:ROW", name)
	}
	type ref struct {
		file, row string
		tab       *csvTable
		col       int
	}
	var refs [2]ref
	for i, a := range args[1:] {
		file, row, ok := strings.Cut(a, ":")
		if !ok {
			ts.Fatalf("%s: %q: want FILE:ROW", name, a)
		}
		tab := readTable(ts, file)
		refs[i] = ref{file, row, tab, tab.col(ts, file, args[0])}
	}
	a, b := refs[0], refs[1]
	var pairs [][2][]string
	switch {
	case a.row == "*" && b.row == "*":
		if len(a.tab.rows) != len(b.tab.rows) {
			ts.Fatalf("%s has %d rows, %s has %d", a.file, len(a.tab.rows), b.file, len(b.tab.rows))
		}
		for i := range a.tab.rows {
			pairs = append(pairs, [2][]string{a.tab.rows[i], b.tab.rows[i]})
		}
	case a.row != "*" && b.row != "*":
		pairs = append(pairs, [2][]string{a.tab.row(ts, a.file, a.row), b.tab.row(ts, b.file, b.row)})
	default:
		ts.Fatalf("%s: compare one row with one row, or * with *", name)
	}
	for i, p := range pairs {
		x, y := cell(p[0], a.col), cell(p[1], b.col)
		if x == "" || y == "" {
			ts.Fatalf("%s: pair %d: empty %s (%q, %q)", name, i+1, args[0], x, y)
		}
		if (x == y) != same {
			ts.Fatalf("%s %s %s %s: %q and %q", name, args[0], args[1], args[2], x, y)
		}
	}
	ts.Logf("%s: %d row pairs compared", name, len(pairs))
}

func cell(row []string, c int) string {
	if c < len(row) {
		return row[c]
	}
	return ""
}

// dropcols FILE COL...: print FILE as CSV (same separator) without the
// columns COL..., so that what is left can be compared with cmp stdout.
func cmdDropCols(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: dropcols FILE COL...")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	r, err := csvfile.NewReader(f, csvfile.Options{})
	ts.Check(err)
	drop := map[int]bool{}
	for _, name := range args[1:] {
		c, ok := r.Column(name)
		if !ok {
			ts.Fatalf("%s: no column %q", args[0], name)
		}
		drop[c] = true
	}
	w := csvfile.NewWriter(ts.Stdout(), r.Comma())
	keep := func(fields []string) []string {
		var out []string
		for i, v := range fields {
			if !drop[i] {
				out = append(out, v)
			}
		}
		return out
	}
	ts.Check(w.Write(keep(r.Header())))
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		ts.Check(err)
		ts.Check(w.Write(keep(row.Fields)))
	}
	ts.Check(w.Flush())
}

// exits N COMMAND ARGS...: run COMMAND as exec does (its stdout and stderr
// are there for the next stdout and stderr) and want exit status N.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N COMMAND ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		got = exitErr.ExitCode()
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// reportMasks are what differs between two runs of one report: when it ran
// and with which build.
var reportMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)`), "TIME"},
	{regexp.MustCompile(`ttp (devel|v\S+) \(go[^)]*\)`), "ttp VERSION"},
}

// cmpreport FILE WANT: FILE is WANT once its time and version are masked.
func cmdCmpReport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cmpreport FILE WANT")
	}
	got := ts.ReadFile(args[0])
	for _, m := range reportMasks {
		got = m.re.ReplaceAllString(got, m.with)
	}
	if want := ts.ReadFile(args[1]); got != want {
		ts.Logf("%s, masked:\n%s", args[0], got)
		ts.Fatalf("%s (masked) and %s differ", args[0], args[1])
	}
}

// xlsxcell FILE SHEET CELL REGEXP: the cell's value, as excelize reads the
// workbook, matches REGEXP (with !: does not).
func cmdXLSXCell(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: xlsxcell FILE SHEET CELL REGEXP")
	}
	f, err := excelize.OpenFile(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	got, err := f.GetCellValue(args[1], args[2])
	ts.Check(err)
	re, err := regexp.Compile(args[3])
	ts.Check(err)
	if re.MatchString(got) == neg {
		ts.Fatalf("%s!%s is %q, want %s%q", args[1], args[2], got, map[bool]string{true: "no match for ", false: ""}[neg], args[3])
	}
}
