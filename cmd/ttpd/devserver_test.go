package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/devmode"
	"github.com/ttpnl/ttp/server/store"
)

// devServer is ttpd in dev mode on a data directory and a PostgreSQL store
// that other dev servers may share, with addresses of its own:
//
//	ttpd -data DIR -store URL -listen ADDR -metrics ADDR
type devServer struct {
	bin, dir, store string
	addr, metrics   string
	proc            *ttpdProcess
}

func newDevServer(t *testing.T, bin, dir, storeURL string) *devServer {
	return &devServer{bin: bin, dir: dir, store: storeURL, addr: freeAddr(t), metrics: freeAddr(t)}
}

// start runs the server and waits until it serves; the first start on a
// data directory makes it.
func (d *devServer) start(t *testing.T) {
	t.Helper()
	// The operator's files, where dev mode puts them: the first start
	// writes them while the test waits.
	probe := client.Settings{Server: d.addr,
		CA:   filepath.Join(d.dir, "pki", "ca.pem"),
		Cert: filepath.Join(d.dir, "clients", devmode.OperatorName+".pem"),
		Key:  filepath.Join(d.dir, "clients", devmode.OperatorName+"-key.pem")}
	if d.running() {
		t.Fatalf("ttpd on %s runs already", d.addr)
	}
	d.proc = startTTPD(t, d.bin, probe, "-data", d.dir, "-store", d.store, "-listen", d.addr, "-metrics", d.metrics)
}

// running reports whether the server's process runs.
func (d *devServer) running() bool {
	if d.proc == nil {
		return false
	}
	select {
	case <-d.proc.exited:
		return false
	default:
		return true
	}
}

// settings are a dev principal's, from the settings file dev mode wrote
// for it, for this server's address.
func (d *devServer) settings(t *testing.T, principal string) client.Settings {
	t.Helper()
	s := client.Settings{Server: d.addr}
	if err := s.FromEnvFile(filepath.Join(d.dir, "clients", principal+".env")); err != nil {
		t.Fatal(err)
	}
	return s
}

func (d *devServer) dial(t *testing.T, principal string) *grpc.ClientConn {
	t.Helper()
	return dialSettings(t, d.settings(t, principal))
}

// openDevStore opens, in the test, the store of a dev data directory at
// storeURL, as ttpd does; it is closed when the test ends.
func openDevStore(t *testing.T, dir, storeURL string) store.Store {
	t.Helper()
	cfg, err := config.Load(filepath.Join(dir, devmode.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	cfg.StoreURL = storeURL
	kek, err := keys.LoadKEKFile(cfg.KEKFile)
	if err != nil {
		t.Fatal(err)
	}
	st, err := server.OpenStore(context.Background(), cfg, kek, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
