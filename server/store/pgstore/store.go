package pgstore

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ttpnl/ttp/server/store"
)

// Store is the store on PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url, migrates its schema to the newest
// version, and returns the store. log may be nil.
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, parseError(url, err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, wrap("connect", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, wrap("connect", err)
	}
	if err := migrate(ctx, cfg.ConnConfig, log); err != nil {
		pool.Close()
		return nil, err
	}
	log.Info("pgstore: opened", "host", cfg.ConnConfig.Host, "database", cfg.ConnConfig.Database, "max_conns", cfg.MaxConns)
	return &Store{pool: pool, log: log}, nil
}

// Shared is true: other processes may write to the database.
func (s *Store) Shared() bool { return true }

// Close closes the pool's connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Update runs fn in a READ COMMITTED transaction, and commits when fn
// returns nil. The commit is durable when Update returns, as far as the
// server's synchronous_commit (on by default) makes it so. Should the
// connection fail during COMMIT, Update returns an error although the
// transaction may have committed.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite}, fn)
}

// UpdateAsync is Update: a PostgreSQL transaction's commit is durable when
// it returns, and another server's transaction may come in between.
func (s *Store) UpdateAsync(ctx context.Context, fn func(store.Tx) error) (func() error, error) {
	if err := s.Update(ctx, fn); err != nil {
		return nil, err
	}
	return func() error { return nil }, nil
}

// View runs fn in a READ ONLY transaction at REPEATABLE READ: all its
// reads see one snapshot.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

func (s *Store) run(ctx context.Context, opts pgx.TxOptions, fn func(store.Tx) error) error {
	pgtx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return wrap("begin", err)
	}
	t := &tx{ctx: ctx, pg: pgtx, readOnly: opts.AccessMode == pgx.ReadOnly}
	committed := false
	defer func() {
		if !committed { // an error, or a panic in fn
			pgtx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	if err := t.flushCounters(); err != nil {
		return err
	}
	committed = true
	return wrap("commit", pgtx.Commit(ctx))
}

// parseError reports a URL that pgx cannot parse. pgx tries to leave the
// password out of its message; we remove it as well, where we can find it.
func parseError(connString string, err error) error {
	msg := err.Error()
	for _, secret := range passwords(connString) {
		msg = strings.ReplaceAll(msg, secret, "xxxxx")
	}
	return fmt.Errorf("pgstore: cannot parse the database URL: %s", msg)
}

// passwords finds what may be passwords in a connection string: the URL's
// userinfo and password= in its query, or password= in key=value form.
func passwords(connString string) []string {
	var found []string
	if u, err := url.Parse(connString); err == nil {
		if p, ok := u.User.Password(); ok && p != "" {
			found = append(found, p, url.QueryEscape(p), url.PathEscape(p))
		}
		if p := u.Query().Get("password"); p != "" {
			found = append(found, p, url.QueryEscape(p))
		}
	}
	for _, field := range strings.Fields(connString) {
		if v, ok := strings.CutPrefix(field, "password="); ok && v != "" {
			found = append(found, v, strings.Trim(v, "'"))
		}
	}
	return found
}
