package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/ttpnl/ttp/server/store"
)

// The metrics listener answers /healthz and /readyz as well, over plain
// HTTP like /metrics, so that a load balancer, a container's health check
// or an orchestrator's probes need no client certificate (gRPC health
// does). Neither says more than ok or a reason without details: the
// listener takes no client certificate.

// healthz answers 200 while the process serves HTTP at all: alive.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprintln(w, "ok")
}

// readyz answers 200 when the server takes calls: it is not stopping, and
// its store answers a read within readyTimeout. A server that drains
// (SIGTERM, calls still running) is alive but not ready, so that no new
// calls are sent to it.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.stopping.Load() {
		http.Error(w, "stopping", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	err := s.st.View(ctx, func(tx store.Tx) error {
		_, err := tx.Audit().Last()
		return err
	})
	if err != nil {
		s.log.Warn("not ready: the store does not answer", "err", err)
		http.Error(w, "store not reachable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}

const readyTimeout = 2 * time.Second
