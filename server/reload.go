package server

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/config"
)

// reloader is the actor of a reload in the audit log: the server itself,
// told by its operator (ttpd does it on SIGHUP).
var reloader = audit.Actor{Principal: "ttpd", Organisation: "local"}

// ReloadAccess applies a configuration read again while the server runs:
// who may call (the principals, their organisations, roles and pinned
// certificates, and the revoked certificates), the organisations' AGB
// codes and the quotas take effect for every call that starts after it
// returns, so a stolen certificate is refused without a restart that would
// cut every broker's calls. A call under way keeps the principal it
// started with. Quota buckets keep what they hold.
//
// The rest of the configuration (addresses, store, keys, TLS files, linkage
// model, request policy, limits) is read at start only: the server keeps
// running with it, and restartOnly names, as the file names them, the
// settings of cfg that differ from it. An invalid cfg changes nothing. The
// reload is audited before it takes effect.
func (s *Server) ReloadAccess(ctx context.Context, cfg *config.Config) (restartOnly []string, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s.reloading.Lock()
	defer s.reloading.Unlock()
	running := s.running.Load()
	next := withAccessOf(running, cfg)
	restartOnly = startOnlyChanges(running, cfg)
	rec := reloader.Record("ReloadAccess")
	rec.Detail = fmt.Sprintf("%d principals, %d revoked certificates, %d organisations; not applied until a restart: %v",
		len(next.Principals), len(next.RevokedCertificates), len(next.Organisations), restartOnly)
	if err := s.audit.Append(ctx, rec, nil); err != nil {
		return nil, err
	}
	s.running.Store(&next)
	s.authorizer.SetAccess(next.Directory(), next.Revoked())
	s.quotas.setLimits(&next)
	return restartOnly, nil
}

// withAccessOf is c with from's settings of who may call and how much:
// what ReloadAccess applies.
func withAccessOf(c, from *config.Config) config.Config {
	out := *c
	out.Principals, out.RevokedCertificates, out.Organisations, out.Quotas = from.Principals, from.RevokedCertificates, from.Organisations, from.Quotas
	return out
}

// startOnlyChanges names the settings, other than those ReloadAccess
// applies, in which read differs from running. A setting added to the
// configuration later is read at start only until ReloadAccess says
// otherwise.
func startOnlyChanges(running, read *config.Config) []string {
	a, b := startOnlySettings(running), startOnlySettings(read)
	var changed []string
	for name := range maps.Keys(a) {
		if !reflect.DeepEqual(a[name], b[name]) {
			changed = append(changed, name)
		}
	}
	for name := range maps.Keys(b) {
		if _, ok := a[name]; !ok {
			changed = append(changed, name)
		}
	}
	slices.Sort(changed)
	return changed
}

// startOnlySettings is c without what ReloadAccess applies, by the names
// of the configuration file.
func startOnlySettings(c *config.Config) map[string]any {
	b, err := json.Marshal(withAccessOf(c, &config.Config{}))
	if err != nil {
		panic(err) // a Config always marshals
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}
