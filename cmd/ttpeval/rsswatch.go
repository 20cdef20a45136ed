package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

// watchRSS writes a heap profile to file once the process's resident
// memory first passes mb (TTPEVAL_HEAPPROFILE_AT=MB:FILE), and the
// memory's parts (anonymous, file-backed) with it, so that a peak that
// passes between two measurements can be explained: a profile at the end
// of a run shows only what is live then.
func watchRSS(spec string) error {
	mbText, file, ok := bytes.Cut([]byte(spec), []byte(":"))
	mb, err := strconv.ParseInt(string(mbText), 10, 64)
	if !ok || err != nil || mb <= 0 || len(file) == 0 {
		return fmt.Errorf("TTPEVAL_HEAPPROFILE_AT=%q: want MB:FILE", spec)
	}
	go func() {
		for range time.Tick(200 * time.Millisecond) {
			anon, fileBacked := residentKB("RssAnon:"), residentKB("RssFile:")
			if (anon+fileBacked)>>10 < mb {
				continue
			}
			out, err := os.Create(string(file))
			if err != nil {
				fmt.Fprintln(os.Stderr, "ttpeval:", err)
				return
			}
			pprof.WriteHeapProfile(out)
			out.Close()
			fmt.Printf("resident memory passed %d MB: anonymous %d MB, file-backed %d MB; heap profile in %s\n", mb, anon>>10, fileBacked>>10, file)
			return
		}
	}()
	return nil
}

// residentKB reads a field of /proc/self/status in kB (0 if unknown).
func residentKB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte(field)); ok {
			kb, _ := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte("kB")))), 10, 64)
			return kb
		}
	}
	return 0
}
