// Package buildinfo says which build of ttp or ttpd is running, for
// "ttp version", "ttpd -version" and a quality report's tool line: the
// module version, the commit when the build recorded one, and Go's version.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the version of the module the binary was built from: a
// release tag (go install ...@v1.2.3), a pseudo-version, or "devel" when
// the build recorded none (go run, go test, a build without version
// control stamps).
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return "devel"
	}
	return info.Main.Version
}

// Line is what "NAME version" prints: "ttpd version v1.2.3, built with
// go1.26.0", with the commit (and "modified" for a dirty tree) when the
// build recorded it.
func Line(name string) string {
	line := fmt.Sprintf("%s version %s", name, Version())
	if rev, dirty := commit(); rev != "" {
		line += ", commit " + rev
		if dirty {
			line += " (modified)"
		}
	}
	return line + ", built with " + runtime.Version()
}

// commit is the version control revision the build recorded, if any.
func commit() (rev string, dirty bool) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", false
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	return rev, dirty
}
