package main

import (
	"net"
	"path/filepath"
	"testing"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/server/devmode"
)

// TestDevModeSettingsFollowTheAddress restarts a dev-mode ttpd on another
// address: every principal's settings file must name the address it serves
// on now, so that ttp, given only TTP_ENV, reaches it. (It used to keep the
// first start's address: clients dialled a port where nothing, or another
// server, listened.)
func TestDevModeSettingsFollowTheAddress(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ttpd and starts it twice")
	}
	bin := buildTTPD(t)
	dir := filepath.Join(t.TempDir(), "data")

	first := newDevServer(t, bin, dir, "")
	first.start(t)
	first.proc.stop(t)

	second := newDevServer(t, bin, dir, "")
	if second.addr == first.addr {
		t.Fatal("freeAddr gave the same address twice")
	}
	second.start(t)
	_, port, _ := net.SplitHostPort(second.addr)
	for _, p := range devmode.Principals() {
		var s client.Settings // what the file says, and nothing else
		if err := s.FromEnvFile(filepath.Join(dir, "clients", p.Name+".env")); err != nil {
			t.Fatal(err)
		}
		if want := net.JoinHostPort("localhost", port); s.Server != want {
			t.Errorf("%s.env: TTP_SERVER=%s, want %s (the second start's address)", p.Name, s.Server, want)
			continue
		}
		if err := serving(s); err != nil {
			t.Errorf("%s's settings file does not reach the server: %v", p.Name, err)
		}
	}
}
