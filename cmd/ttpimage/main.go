// Command ttpimage builds ttpd's container image without pulling anything:
// a static ttpd (CGO_ENABLED=0) on an empty base, one layer, as a tarball
// that podman load and docker load take.
//
//	go run ./cmd/ttpimage -o ttpd-image.tar     # then: podman load -i ttpd-image.tar
//
// The image runs ttpd as an unprivileged user (65532) with no shell and no
// other program in it; it expects its configuration at
// /etc/ttp/ttpd.json and keeps state under /var/lib/ttp (mount both).
// File times and the creation time are fixed (SOURCE_DATE_EPOCH, or the
// Unix epoch), so the same source and Go give the same image.
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ttpimage:", err)
		os.Exit(1)
	}
}

// The image's layout.
const (
	uid        = 65532 // "nonroot", as distroless names it
	binary     = "/ttpd"
	configFile = "/etc/ttp/ttpd.json"
	stateDir   = "/var/lib/ttp"
)

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ttpimage", flag.ContinueOnError)
	out := fs.String("o", "ttpd-image.tar", "the image tarball to write")
	tag := fs.String("tag", "localhost/ttpd:dev", "the image's name and tag")
	arch := fs.String("arch", "amd64", "GOARCH of the image")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ref, err := name.NewTag(*tag)
	if err != nil {
		return fmt.Errorf("-tag: %w", err)
	}
	created, err := buildTime()
	if err != nil {
		return err
	}
	bin, err := buildTTPD(*arch)
	if err != nil {
		return err
	}
	img, err := image(bin, *arch, created)
	if err != nil {
		return err
	}
	if err := tarball.WriteToFile(*out, ref, img); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "image %s (%s): %s\n  podman load -i %s\n", ref, digest, *out, *out)
	return nil
}

// buildTime is SOURCE_DATE_EPOCH, or the Unix epoch.
func buildTime() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: %w", s, err)
	}
	return time.Unix(n, 0).UTC(), nil
}

// buildTTPD builds a static ttpd for linux/arch and returns it.
func buildTTPD(arch string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "ttpimage")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ttpd")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", path, "github.com/ttpnl/ttp/cmd/ttpd")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go build ttpd: %w", err)
	}
	return os.ReadFile(path)
}

// image is ttpd on an empty base.
func image(bin []byte, arch string, created time.Time) (v1.Image, error) {
	layer, err := rootLayer(bin, created)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", arch, v1.Time{Time: created}
	cf.Config = v1.Config{
		User:         fmt.Sprintf("%d:%d", uid, uid),
		Entrypoint:   []string{binary},
		Cmd:          []string{"-config", configFile},
		WorkingDir:   stateDir,
		ExposedPorts: map[string]struct{}{"7443/tcp": {}, "9464/tcp": {}},
		Volumes:      map[string]struct{}{stateDir: {}},
		Labels: map[string]string{
			"org.opencontainers.image.title":       "ttpd",
			"org.opencontainers.image.description": "ttp: a trusted third party for pseudonymisation and linkage",
			"org.opencontainers.image.source":      "github.com/ttpnl/ttp",
		},
	}
	return mutate.ConfigFile(img, cf)
}

// rootLayer is the image's one layer: ttpd, the user it runs as, its
// directories, and /tmp.
func rootLayer(bin []byte, created time.Time) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dir := func(path string, mode int64, owner int) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: path + "/", Mode: mode, Uid: owner, Gid: owner, ModTime: created})
	}
	file := func(path string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: path, Mode: mode, Size: int64(len(data)), ModTime: created}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nttpd:x:%d:%d:ttpd:%s:/sbin/nologin\n", uid, uid, stateDir)
	group := fmt.Sprintf("root:x:0:\nttpd:x:%d:\n", uid)
	err := errors.Join(
		dir("etc", 0o755, 0),
		file("etc/passwd", 0o644, []byte(passwd)),
		file("etc/group", 0o644, []byte(group)),
		dir("etc/ttp", 0o750, 0),
		dir("tmp", 0o1777, 0),
		dir("var", 0o755, 0),
		dir("var/lib", 0o755, 0),
		dir("var/lib/ttp", 0o700, uid),
		file("ttpd", 0o755, bin),
		tw.Close(),
	)
	if err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		tarball.WithMediaType(types.OCILayer))
}
