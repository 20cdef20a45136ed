package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/health/grpc_health_v1"

	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/server/servertest"
)

// TestImage builds the image, checks what is in it (ttpd, static, run as
// an unprivileged user, nothing else to run), and runs it under podman:
// ttpd in dev mode on a mounted directory, ready on /readyz and serving
// gRPC health over mTLS, and stopping cleanly on podman stop (SIGTERM).
// The podman part skips only where podman cannot run a container, and
// says why.
func TestImage(t *testing.T) {
	dir := t.TempDir()
	tarFile := filepath.Join(dir, "ttpd.tar")
	tag := "localhost/ttpd-test:" + randomHex(t)
	var out bytes.Buffer
	if err := run([]string{"-o", tarFile, "-tag", tag}, &out); err != nil {
		t.Fatal(err)
	}
	checkImage(t, tarFile)

	pm := findPodman(t, dir, tarFile, tag)
	data := filepath.Join(dir, "state")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// The image's user owns its state directory, as a deployment would
		// arrange it.
		if err := os.Chown(data, uid, uid); err != nil {
			t.Fatal(err)
		}
	}
	addr, metrics := servertest.FreeAddr(t), servertest.FreeAddr(t)
	name := "ttpd-test-" + randomHex(t)
	pm.run(t, "run", "-d", "--name", name, "--network", "host", "-v", data+":"+stateDir, tag,
		"-data", stateDir+"/data", "-listen", addr, "-metrics", metrics)
	t.Cleanup(func() { pm.cmd("rm", "-f", name).Run() })

	probe := client.Settings{Server: addr, CA: filepath.Join(data, "data", "pki", "ca.pem"),
		Cert: filepath.Join(data, "data", "clients", "operator.pem"), Key: filepath.Join(data, "data", "clients", "operator-key.pem")}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := ready(metrics)
		if err == nil {
			err = healthy(probe)
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			logs, _ := pm.cmd("logs", name).CombinedOutput()
			t.Fatalf("ttpd in the container does not serve after 60 s: %v\n%s", err, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	pm.run(t, "stop", "-t", "20", name)
	if code := strings.TrimSpace(pm.run(t, "wait", name)); code != "0" {
		logs, _ := pm.cmd("logs", name).CombinedOutput()
		t.Errorf("ttpd exited with %s on podman stop; want 0\n%s", code, logs)
	}
}

// checkImage reads the image back and checks its configuration and its
// one layer.
func checkImage(t *testing.T, tarFile string) {
	t.Helper()
	img, err := tarball.ImageFromPath(tarFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65532:65532" || !slices.Equal(cf.Config.Entrypoint, []string{"/ttpd"}) || cf.OS != "linux" {
		t.Errorf("config: user %q, entrypoint %q, os %q", cf.Config.User, cf.Config.Entrypoint, cf.OS)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers, %v; want one on an empty base", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var names []string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Name == "ttpd" {
			bin, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			f, err := elf.NewFile(bytes.NewReader(bin))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Error("ttpd in the image is linked dynamically: an empty base has no loader")
				}
			}
		}
		if h.Typeflag == tar.TypeReg && h.Mode&0o111 != 0 && h.Name != "ttpd" {
			t.Errorf("%s is executable: the image should hold ttpd alone", h.Name)
		}
	}
	want := []string{"etc/", "etc/passwd", "etc/group", "etc/ttp/", "tmp/", "var/", "var/lib/", "var/lib/ttp/", "ttpd"}
	if !slices.Equal(names, want) {
		t.Errorf("layer holds %q; want %q", names, want)
	}
}

// podman runs podman with the arguments that this machine needs.
type podman struct{ args []string }

func (p podman) cmd(args ...string) *exec.Cmd {
	return exec.Command("podman", append(slices.Clone(p.args), args...)...)
}

func (p podman) run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := p.cmd(args...).CombinedOutput()
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// findPodman loads the image and finds how podman can run it here: as it
// is, or with runc where crun cannot (cgroups in hybrid mode), without
// default ulimits where the container may not raise them. It skips the
// test, saying why, where podman cannot run a container at all.
func findPodman(t *testing.T, dir, tarFile, tag string) podman {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("podman is not installed (Debian: apt-get install podman), so the image is not run")
	}
	conf := filepath.Join(dir, "containers.conf")
	if err := os.WriteFile(conf, []byte("[containers]\ndefault_ulimits = []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONTAINERS_CONF", conf)
	if out, err := exec.Command("podman", "load", "-i", tarFile).CombinedOutput(); err != nil {
		t.Skipf("podman cannot load an image here: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("podman", "rmi", "-f", tag).Run() })
	var why []string
	for _, p := range []podman{{}, {args: []string{"--runtime", "runc"}}} {
		out, err := p.cmd("run", "--rm", "--network", "host", tag, "-h").CombinedOutput()
		if err == nil {
			return p
		}
		why = append(why, fmt.Sprintf("podman %s: %v: %s", strings.Join(p.args, " "), err, bytes.TrimSpace(lastLine(out))))
	}
	t.Skipf("podman cannot run a container on this machine:\n%s", strings.Join(why, "\n"))
	return podman{}
}

func lastLine(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

func ready(metrics string) error {
	resp, err := http.Get("http://" + metrics + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz: %s", resp.Status)
	}
	return nil
}

func healthy(s client.Settings) error {
	cc, err := client.Dial(s)
	if err != nil {
		return err
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := grpc_health_v1.NewHealthClient(cc).Check(ctx, &grpc_health_v1.HealthCheckRequest{})
	if err != nil {
		return err
	}
	if resp.Status != grpc_health_v1.HealthCheckResponse_SERVING {
		return fmt.Errorf("health: %v", resp.Status)
	}
	return nil
}

func randomHex(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
