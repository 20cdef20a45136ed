package main

import (
	"fmt"
	"io"
	"log/slog"
)

// newLogger makes ttpd's logger: text for a person at a terminal, or JSON
// (one object a line, with time, level and msg) for a log collector.
func newLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format: %q: want text or json", format)
}
