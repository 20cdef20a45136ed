// Package server builds ttpd: the gRPC services over mTLS, their interceptors,
// the store, the audit log and the metrics listener, from one Config.
//
// The services are thin: they translate between protobuf and the packages
// that do the work (coding, domains, audit), which are testable without a
// network. Every RPC passes the transport's tap (the caller's call slots,
// package limits) and the same interceptor chain: recover, metrics, refused
// calls (to the audit log), errors (typed errors become gRPC statuses in
// one place), authz.
package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/ttpnl/ttp/checkpoint"
	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/secretfile"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/limits"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/recipients"
	"github.com/ttpnl/ttp/server/refusals"
	"github.com/ttpnl/ttp/server/reid"
	"github.com/ttpnl/ttp/server/requests"
	"github.com/ttpnl/ttp/server/session"
	"github.com/ttpnl/ttp/server/store"
)

// MaxMessageBytes is the largest request message the server reads.
const MaxMessageBytes = 16 << 20

// Server is a running ttpd.
type Server struct {
	log      *slog.Logger
	st       store.Store
	audit    *audit.Log
	auditKey *checkpoint.Key // signs the audit log's checkpoints
	domains  *domains.Registry
	metrics  *metrics
	today    func() identity.Date
	now      func() time.Time
	index    *linkage.Index
	encoder  *linkage.Encoder

	recipients *recipients.Registry     // sealing keys of recipients
	desk       *requests.Desk           // linkage requests
	reidKey    *reid.Key                // nil: no re-identification
	reidDomain func(domain string) bool // whether a domain allows it
	quotas     quotas                   // per principal, on making pseudonyms
	limits     *limits.Limits           // per principal, on what it holds at once
	refusals   *refusals.Log            // refused calls, to the audit log
	authorizer *authz.Authorizer        // who may call
	// running is the configuration the server runs with: as it started,
	// with what ReloadAccess changed since; reloading serialises those.
	running   atomic.Pointer[config.Config]
	reloading sync.Mutex

	grpc       *grpc.Server
	health     *health.Server
	listener   net.Listener
	metricsSrv *http.Server
	metricsLis net.Listener
	stopping   atomic.Bool // set when shutdown begins: /readyz says so
}

// New opens the store, loads the domains and binds the listeners. Serve
// starts serving.
func New(cfg *config.Config, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	kek, err := keys.LoadKEKFile(cfg.KEKFile)
	if err != nil {
		return nil, err
	}
	tlsConfig, err := serverTLS(cfg.TLS)
	if err != nil {
		return nil, err
	}
	auditKey, err := checkpoint.ReadKey(cfg.AuditKeyFile)
	if err != nil {
		return nil, err
	}
	s := &Server{log: log, metrics: newMetrics(), today: identity.Today, now: time.Now, auditKey: auditKey}
	s.running.Store(cfg)
	s.authorizer = authz.NewAuthorizer(cfg.Directory(), cfg.Revoked())
	s.quotas, s.limits = newQuotas(cfg), newLimits(cfg)
	ctx := context.Background()
	if s.st, err = OpenStore(ctx, cfg, kek, log); err != nil {
		return nil, err
	}
	s.metrics.registry.MustRegister(&indexGauges{st: s.st, log: log, now: time.Now})
	if err := s.open(ctx, kek, cfg); err != nil {
		s.st.Close()
		return nil, err
	}
	if err := s.listen(cfg); err != nil {
		s.st.Close()
		return nil, err
	}
	s.buildGRPC(cfg, tlsConfig)
	return s, nil
}

func (s *Server) open(ctx context.Context, kek *keys.KEK, cfg *config.Config) (err error) {
	s.audit = audit.New(s.st, time.Now)
	s.audit.OnBroken = s.metrics.auditBroken.Inc
	if err := s.verifyAudit(ctx); err != nil {
		return err
	}
	s.refusals = refusals.New(s.audit, time.Now, s.log)
	if s.domains, err = domains.Open(ctx, s.st, kek, s.audit, rand.Reader, time.Now); err != nil {
		return err
	}
	if s.recipients, err = recipients.Open(ctx, s.st, s.audit, time.Now); err != nil {
		return err
	}
	policy := requests.DefaultPolicy()
	if cfg.RequestPolicyFile != "" {
		if policy, err = requests.LoadPolicy(cfg.RequestPolicyFile); err != nil {
			return err
		}
	}
	s.desk = requests.NewDesk(s.st, s.audit, s.domains, kek, policy, s.recipientCheck(cfg.Directory()), time.Now)
	model := linkage.DefaultModel()
	if cfg.LinkageModelFile != "" {
		if model, err = linkage.LoadModel(cfg.LinkageModelFile); err != nil {
			return err
		}
	}
	key, scheme, err := linkage.EncoderKey(ctx, s.st, kek, rand.Reader, time.Now())
	if err != nil {
		return err
	}
	s.encoder = linkage.NewEncoderOfScheme(key, scheme)
	s.index = linkage.Open(s.st, model).TrackDomains(func() []uint64 {
		var tags []uint64
		for _, d := range s.domains.List() {
			tags = append(tags, s.encoder.DomainTag(d.Name))
		}
		return tags
	})
	// A model version activated in the store wins over the configured one.
	if err := s.st.View(ctx, func(tx store.Tx) error {
		m, err := activeModel(tx)
		if m != nil {
			s.index.SetModel(m)
		}
		return err
	}); err != nil {
		return err
	}
	// Re-identification reads the index: after it.
	s.reidDomain = func(string) bool { return false }
	if cfg.ReidKeyFile != "" {
		if s.reidKey, err = reid.LoadKey(cfg.ReidKeyFile); err != nil {
			return fmt.Errorf("reid_key_file: %w", err)
		}
		s.reidDomain = func(d string) bool { return slices.Contains(cfg.ReidDomains, d) }
		s.desk.Reidentify(s.reidentify(cfg.Directory()))
	}
	stats, err := s.index.Stats(ctx)
	if err != nil {
		return err
	}
	s.log.Info("person index opened", "records", stats.Records, "persons", stats.Persons, "shared_store", s.st.Shared())
	return nil
}

// recipientCheck says why a principal may not receive a linkage request's
// linked set: it must be a researcher with a registered sealing key; the
// communication file's recipient any principal with one.
func (s *Server) recipientCheck(dir authz.Directory) func(string, bool) error {
	return func(name string, communication bool) error {
		p, ok := dir[name]
		switch {
		case !ok:
			return fmt.Errorf("%q is not a principal", name)
		case !communication && !p.Has(authz.Researcher):
			return fmt.Errorf("%q is not a researcher principal", name)
		}
		if _, err := s.recipients.Get(name); err != nil {
			return fmt.Errorf("%q has no registered sealing key (ttp admin recipient register)", name)
		}
		return nil
	}
}

// verifyAudit checks the whole audit log before the server appends to it,
// after giving a log from before the Merkle tree its tree; a broken log
// stops the start.
func (s *Server) verifyAudit(ctx context.Context) error {
	built, err := audit.BuildTree(ctx, s.st)
	if built > 0 {
		s.log.Warn("audit log: built the Merkle tree of records written before ttpd kept one", "records", built)
	}
	if err != nil {
		return err
	}
	start := time.Now()
	tree, err := audit.VerifyTree(ctx, s.st)
	if err != nil {
		s.metrics.auditBroken.Inc()
		s.log.Error("audit log does not verify; not starting", "records_read", tree.Size, "err", err)
		return fmt.Errorf("%w; ttpd does not start on a broken audit log (ttpd -verify-audit shows the same)", err)
	}
	s.log.Info("audit log verified", "records", tree.Size, "root", tree.Hash.String(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// openSession opens a session for the calling principal (see package
// session): every service starts its calls here.
func (s *Server) openSession(ctx context.Context, domain string, version uint32, purpose session.Purpose) (*session.Session, error) {
	p, _ := authz.FromContext(ctx)
	return session.Open(s.domains, p.Actor(), domain, version, purpose)
}

func (s *Server) listen(cfg *config.Config) (err error) {
	if s.listener, err = net.Listen("tcp", cfg.Listen); err != nil {
		return err
	}
	if cfg.MetricsListen == "" {
		return nil
	}
	if s.metricsLis, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
		s.listener.Close()
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	s.metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return nil
}

func (s *Server) buildGRPC(cfg *config.Config, tlsConfig *tls.Config) {
	authorizer := s.authorizer
	s.grpc = grpc.NewServer(
		grpc.Creds(credentials.NewTLS(tlsConfig)),
		grpc.InTapHandle(s.startCall(authorizer)),
		grpc.ChainUnaryInterceptor(recoverUnary(s.log), metricsUnary(s.metrics), s.refusedUnary(authorizer), errorsUnary(s.log), authorizer.Unary),
		grpc.ChainStreamInterceptor(recoverStream(s.log), metricsStream(s.metrics), s.refusedStream(authorizer), errorsStream(s.log), authorizer.Stream),
		// Memory: a message is refused before decoding when it would decode
		// into too many objects (limits.Codec), and a stream buffers at most
		// its fixed flow-control window ahead of its reader (the default
		// window grows to 16 MiB a stream).
		grpc.ForceServerCodecV2(limits.NewCodec()),
		grpc.MaxRecvMsgSize(MaxMessageBytes),
		grpc.InitialWindowSize(1<<20),
		grpc.InitialConnWindowSize(1<<20),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	)
	ttpv1.RegisterCodingServiceServer(s.grpc, &codingService{s: s})
	ttpv1.RegisterAdminServiceServer(s.grpc, &adminService{s: s})
	ttpv1.RegisterLinkageServiceServer(s.grpc, &linkageService{s: s})
	ttpv1.RegisterObliviousServiceServer(s.grpc, &obliviousService{s: s})
	ttpv1.RegisterDeliveryServiceServer(s.grpc, &deliveryService{s: s})
	ttpv1.RegisterAuditServiceServer(s.grpc, &auditService{s: s})
	s.health = health.NewServer()
	grpc_health_v1.RegisterHealthServer(s.grpc, s.health)
	if cfg.Dev {
		reflection.Register(s.grpc)
	}
}

// serverTLS requires TLS 1.3 and a client certificate from the configured CA.
func serverTLS(c config.TLS) (*tls.Config, error) {
	cert, err := secretfile.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("server certificate: %w", err)
	}
	caPEM, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("client CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("client CA %s: no PEM certificate found", c.CAFile)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}, nil
}

// Addr is the gRPC listener's address.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// MetricsAddr is the metrics listener's address, or "" if it is off.
func (s *Server) MetricsAddr() string {
	if s.metricsLis == nil {
		return ""
	}
	return s.metricsLis.Addr().String()
}

// Domains gives in-process access to the domain registry (dev-mode
// bootstrap, tests).
func (s *Server) Domains() *domains.Registry { return s.domains }

// Recipients gives in-process access to the recipient keys (dev-mode
// bootstrap, tests).
func (s *Server) Recipients() *recipients.Registry { return s.recipients }

// Store gives in-process access to the store (tests read the audit log).
func (s *Server) Store() store.Store { return s.st }

// FlushRefusals writes the refused calls counted so far to the audit log
// now rather than at the end of their window (tests; shutdown does it too).
func (s *Server) FlushRefusals(ctx context.Context) error { return s.refusals.Flush(ctx) }

// Serve serves until ctx is done, then stops gracefully: it stops taking
// calls, lets running ones finish (at most drain), and closes the store.
func (s *Server) Serve(ctx context.Context, drain time.Duration) error {
	errc := make(chan error, 2)
	go func() { errc <- s.grpc.Serve(s.listener) }()
	if s.metricsSrv != nil {
		go func() {
			if err := s.metricsSrv.Serve(s.metricsLis); !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	s.health.SetServingStatus("", grpc_health_v1.HealthCheckResponse_SERVING)
	refusalsCtx, stopRefusals := context.WithCancel(context.Background())
	refusalsDone := make(chan struct{})
	go func() { s.refusals.Run(refusalsCtx); close(refusalsDone) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.shutdown(drain, func() { stopRefusals(); <-refusalsDone })
	return err
}

// shutdown stops the gRPC server, then the writer of refusals (which
// writes what it still counts), then the store.
func (s *Server) shutdown(drain time.Duration, stopRefusals func()) {
	s.stopping.Store(true)
	s.health.Shutdown()
	stopped := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(drain):
		s.log.Warn("calls still running after the drain time; stopping them", "drain", drain)
		s.grpc.Stop()
	}
	if s.metricsSrv != nil {
		s.metricsSrv.Close()
	}
	stopRefusals()
	if err := s.st.Close(); err != nil {
		s.log.Error("closing the store", "err", err)
	}
}

// Methods lists every method the gRPC server has registered, as
// "/package.Service/Method", for the test that checks the authz table.
func (s *Server) Methods() []string {
	var out []string
	for svc, info := range s.grpc.GetServiceInfo() {
		for _, m := range info.Methods {
			out = append(out, "/"+svc+"/"+m.Name)
		}
	}
	return out
}
