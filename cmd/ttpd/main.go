// Command ttpd is the TTP server.
//
// With no -config it runs in dev mode: it makes (or reuses) a data directory
// with a KEK, a private CA, server and client certificates (an operator, two
// brokers, the committee), and a domain "demo" that both brokers may code
// into. Dev mode is for trying ttp out; production runs with -config.
//
//	ttpd                         dev mode in ./ttp-data
//	ttpd -config /etc/ttp/ttpd.json
//	ttpd -verify-audit ...       check the audit log, chain and tree (Badger: server stopped), and exit
//	ttpd pki COMMAND ...         the CA of production certificates, on a machine kept offline
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	godebug "runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ttpnl/ttp/buildinfo"
	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/devmode"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/recipients"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "pki" {
		if err := runPKI(os.Args[2:], os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "ttpd:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		if !errors.Is(err, errLogged) {
			fmt.Fprintln(os.Stderr, "ttpd:", err)
		}
		os.Exit(1)
	}
}

// errLogged is run's error when the logger has written the real one.
var errLogged = errors.New("logged")

func run() (err error) {
	var (
		configPath  = flag.String("config", "", "configuration file; without it, dev mode in -data")
		dataDir     = flag.String("data", "ttp-data", "dev mode: data directory (created on first start)")
		listen      = flag.String("listen", "", "gRPC address (overrides the configuration; dev default 127.0.0.1:7443)")
		metrics     = flag.String("metrics", "", "Prometheus /metrics address (overrides the configuration; dev default 127.0.0.1:9464)")
		storeURL    = flag.String("store", "", "a PostgreSQL URL, postgres://... (overrides the configuration's store; several ttpd may share one database)")
		verifyAudit = flag.Bool("verify-audit", false, "verify the audit log in the store (its hash chain and Merkle tree), print the record count and tree root, and exit (on Badger the server must be stopped)")
		drain       = flag.Duration("drain", 30*time.Second, "on shutdown, how long running calls may take to finish")
		debug       = flag.Bool("debug", false, "log at debug level")
		logFormat   = flag.String("log-format", "text", "text, or json: one JSON object a line (time, level, msg, ...) for a log collector")
		memLimit    = flag.Int64("memory-limit-mb", 1536, "soft memory limit in MiB for the Go runtime, so the GC keeps the person index's process within its budget (0: none; GOMEMLIMIT overrides)")
	)
	flag.Parse()
	if *showVersion {
		fmt.Println(buildinfo.Line("ttpd"))
		return nil
	}
	if os.Getenv("GOMEMLIMIT") == "" && *memLimit > 0 {
		godebug.SetMemoryLimit(*memLimit << 20)
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log, err := newLogger(os.Stderr, *logFormat, level)
	if err != nil {
		return err
	}
	if *logFormat == "json" {
		// Every line on stderr is JSON, the reason ttpd stops too.
		defer func() {
			if err != nil {
				log.Error("ttpd stops on an error", "err", err)
				err = errLogged
			}
		}()
	}

	cfg, dev, err := loadConfig(*configPath, *dataDir, *listen, *metrics, *storeURL)
	if err != nil {
		return err
	}
	if *verifyAudit {
		return verify(cfg, log)
	}
	srv, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	if dev != nil {
		demo, err := ensureDevDomains(context.Background(), srv.Domains())
		if err != nil {
			return err
		}
		if err := ensureRecipientKeys(context.Background(), srv.Recipients(), dev.RecipientKeys); err != nil {
			return err
		}
		if err := devmode.PublishAddress(dataDirOf(dev), srv.Addr()); err != nil {
			return err
		}
		printDevBanner(dev, srv, demo)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *configPath != "" {
		// Dev mode has no file to read again: there SIGHUP stops ttpd, as
		// a closed terminal should.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP) // before serving: a SIGHUP from then on reloads
		defer signal.Stop(hup)
		go reloadOnHangup(ctx, hup, srv, log, func() (*config.Config, error) {
			cfg, _, err := loadConfig(*configPath, "", *listen, *metrics, *storeURL)
			return cfg, err
		})
	}
	log.Info("serving", "grpc", srv.Addr(), "metrics", srv.MetricsAddr(), "dev", cfg.Dev)
	err = srv.Serve(ctx, *drain)
	log.Info("stopped")
	return err
}

// loadConfig reads -config, or bootstraps dev mode; flags override the
// addresses and the store.
func loadConfig(path, dataDir, listen, metrics, storeURL string) (*config.Config, *devmode.Result, error) {
	var cfg *config.Config
	var dev *devmode.Result
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return nil, nil, err
		}
	} else {
		l, m := listen, metrics
		if l == "" {
			l = "127.0.0.1:7443"
		}
		if m == "" {
			m = "127.0.0.1:9464"
		}
		var err error
		if dev, err = devmode.Bootstrap(dataDir, l, m); err != nil {
			return nil, nil, fmt.Errorf("dev mode: %w", err)
		}
		cfg = dev.Config
	}
	if listen != "" {
		cfg.Listen = listen
	}
	if metrics != "" {
		cfg.MetricsListen = metrics
	}
	if storeURL != "" {
		cfg.StoreURL = storeURL
		if err := cfg.Validate(); err != nil {
			return nil, nil, fmt.Errorf("-store: %w", err)
		}
	}
	return cfg, dev, nil
}

// reloadOnHangup applies the configuration file again (reread) at every
// SIGHUP (hup) until ctx ends: Server.ReloadAccess says what takes effect.
// A file that does not load or validate changes nothing, and the server
// runs on as it was.
func reloadOnHangup(ctx context.Context, hup <-chan os.Signal, srv *server.Server, log *slog.Logger, reread func() (*config.Config, error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		cfg, err := reread()
		var restartOnly []string
		if err == nil {
			restartOnly, err = srv.ReloadAccess(ctx, cfg)
		}
		if err != nil {
			log.Error("configuration not reloaded; the server runs on as before", "err", err)
			continue
		}
		log.Info("configuration reloaded", "principals", len(cfg.Principals), "revoked_certificates", len(cfg.RevokedCertificates))
		if len(restartOnly) > 0 {
			log.Warn("configuration settings changed that take effect only at a restart", "settings", restartOnly)
		}
	}
}

// ensureDevDomains creates the dev domains that do not exist, and returns
// the demo domain; two dev-mode servers starting at once on one shared
// store may both try.
func ensureDevDomains(ctx context.Context, reg *domains.Registry) (*domains.Domain, error) {
	for _, d := range devmode.Domains() {
		if _, err := reg.Get(d.Name); err == nil {
			continue
		}
		_, err := reg.Create(ctx, devActor, d.Name, d.Description, domains.Access{Brokers: d.Brokers, Recipients: d.Recipients})
		if err != nil && apierr.KindOf(err) != apierr.AlreadyExists {
			return nil, err
		}
	}
	return reg.Get(devmode.DemoDomain)
}

// ensureRecipientKeys registers the dev recipients' public keys (the
// researcher's) unless a key is registered under their name.
func ensureRecipientKeys(ctx context.Context, reg *recipients.Registry, files map[string]string) error {
	for name, file := range files {
		if _, err := reg.Get(name); err == nil {
			continue
		}
		pub, err := seal.ReadPublicKeyFile(file)
		if err != nil {
			return err
		}
		if _, err := reg.Register(ctx, devActor, name, pub.Encode()); err != nil {
			return err
		}
	}
	return nil
}

var devActor = audit.Actor{Principal: "ttpd dev mode", Organisation: "local"}

func printDevBanner(dev *devmode.Result, srv *server.Server, demo *domains.Domain) {
	state := "reused"
	switch {
	case dev.Created:
		state = "created"
	case len(dev.Issued) > 0:
		state = "reused; certificates issued for " + strings.Join(dev.Issued, ", ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ttpd dev mode: data directory %s (%s)\n", dataDirOf(dev), state)
	fmt.Fprintf(&b, "  gRPC, mTLS:  %s\n  metrics:     http://%s/metrics\n", srv.Addr(), srv.MetricsAddr())
	for _, p := range devmode.Principals() {
		note := ""
		if demo.MayCode(p.Name) {
			note = fmt.Sprintf("   (may code into domain %q)", devmode.DemoDomain)
		} else if slices.Contains(devmode.DemoBrokers(), p.Name) {
			// A demo domain made before this broker existed does not list it.
			note = fmt.Sprintf("   (not a broker of domain %q, which is older than it)", devmode.DemoDomain)
		}
		fmt.Fprintf(&b, "  %-11s  TTP_ENV=%s%s\n", p.Name+":", dev.EnvFiles[p.Name], note)
	}
	if pub, ok := dev.RecipientKeys[devmode.ResearcherName]; ok {
		priv, _ := devmode.RecipientKeyFiles(dataDirOf(dev), devmode.ResearcherName)
		fmt.Fprintf(&b, "  researcher's key for sealed deliveries: %s (registered: %s)\n", priv, pub)
	}
	fmt.Fprintf(&b, `Try:
  export TTP_ENV=%s
  go run ./cmd/ttp code -domain demo -map bsn=bsn,family_name=achternaam,birth_date=geboortedatum,postcode=postcode testdata/sample.csv
`, dev.EnvFiles[devmode.BrokerName])
	os.Stdout.WriteString(b.String()) // for a person; the log is on stderr
}

func dataDirOf(dev *devmode.Result) string {
	return dev.ConfigPath[:len(dev.ConfigPath)-len(devmode.ConfigFile)-1]
}

// verify opens the store and walks the audit chain.
func verify(cfg *config.Config, log *slog.Logger) error {
	kek, err := keys.LoadKEKFile(cfg.KEKFile)
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := server.OpenStore(ctx, cfg, kek, log)
	if err != nil {
		return err
	}
	defer st.Close()
	tree, err := audit.VerifyTree(ctx, st)
	if err != nil {
		if errors.Is(err, audit.ErrBroken) {
			return fmt.Errorf("audit log does NOT verify (read %d records): %w", tree.Size, err)
		}
		return err
	}
	// The chain and the tree are whole; whether they are still the log a
	// committee's checkpoint saw only that checkpoint can tell (ttp audit
	// verify).
	fmt.Printf("audit chain verified: %d records, tree root %s\n", tree.Size, tree.Hash)
	return nil
}
