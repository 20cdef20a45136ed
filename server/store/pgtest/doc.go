// Package pgtest gives tests a real, throwaway PostgreSQL: no mock, no
// shared server, nothing to set up by hand.
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		url := pgtest.URL(t) // a fresh, empty database, dropped at the end
//		...
//	}
//
// The first URL starts one cluster for the whole test process: initdb and
// pg_ctl in a temporary directory, listening on 127.0.0.1 on a free port and
// on a Unix socket in that directory, which the URLs use. fsync stays on,
// as in production, so durability tests mean something. Every URL is a new
// database (CREATE DATABASE), so tests are isolated and may run in parallel.
// Start gives a test a private cluster of its own: to crash and restart
// (Kill, Restart), to run with settings of its own, or to measure
// PostgreSQL's processor time (ServerCPU).
//
// # Cleanup
//
// Packages that use pgtest must call Main from TestMain: it stops the
// clusters and removes their directories when the tests are done. Should
// the test process die without that (a panic, a timeout, kill -9), each
// cluster has a watchdog, a small shell process in a process group of its
// own, that waits for the test process's end of a pipe to close, and then
// stops PostgreSQL and removes the directory: nothing is left running.
//
// # Requirements
//
// PostgreSQL's server programs: initdb and pg_ctl from PATH, or else from
// the newest /usr/lib/postgresql/*/bin (Debian's postgresql package, which
// CI installs). Without them the tests fail and say what to install, unless
// TTP_TEST_POSTGRES=off, which skips them. As root, initdb and postgres run
// as the postgres system user, as they refuse to run as root.
//
// # Cost
//
// On a 2-core machine the first URL of a process takes about 1.1 s (initdb
// and start), each later one about 0.1 s: CREATE DATABASE writes the
// template's 7 MB through the WAL and syncs it. Stopping takes about 1 s.
// go test -v -run TestTimings ./server/store/pgtest shows them.
package pgtest
