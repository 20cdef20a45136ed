package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
)

// URL returns the URL of a fresh, empty database on the test process's
// shared cluster, which it starts on first use. The database is dropped
// when the test ends, with any connections still open to it.
func URL(t testing.TB) string {
	t.Helper()
	c, err := sharedCluster()
	if err == errSkip {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c.URL(t)
}

// URL creates a database on the cluster and returns its URL, which reaches
// the server through its Unix socket. On the shared cluster the database
// is dropped when the test ends; a Start cluster goes as a whole.
func (c *Cluster) URL(t testing.TB) string {
	t.Helper()
	c.mu.Lock()
	c.dbs++
	name := "ttp_" + strconv.Itoa(c.dbs)
	c.mu.Unlock()
	// Names are ours and plain, so they need no quoting.
	if err := c.admin("CREATE DATABASE " + name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	if !c.private {
		t.Cleanup(func() {
			if err := c.admin("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
				t.Errorf("pgtest: drop database: %v", err)
			}
		})
	}
	return c.databaseURL(name)
}

// databaseURL is a URL for the database that uses the socket.
func (c *Cluster) databaseURL(name string) string {
	q := url.Values{"host": {c.dir}, "port": {strconv.Itoa(c.port)}, "sslmode": {"disable"}}
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + name, RawQuery: q.Encode()}
	return u.String()
}

// admin runs one statement in the postgres database, on a connection of
// its own: statements such as CREATE DATABASE cannot run in a transaction,
// and a connection per statement survives Kill and Restart.
func (c *Cluster) admin(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.databaseURL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// Port is the TCP port the server listens on, at 127.0.0.1.
func (c *Cluster) Port() int { return c.port }
