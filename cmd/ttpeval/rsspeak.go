package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"
)

// peakWatch samples the process's resident memory five times a second and
// keeps the parts of the highest sample: the kernel's peak (Maxrss) says
// how high memory went, not what it was made of, and the answer decides
// the fix (Go heap over the soft limit, heap the runtime has not yet given
// back, or table pages of Badger's file mappings).
//
// With TTPEVAL_HEAPPROFILE_AT=MB:FILE it also writes a heap profile once
// resident memory first passes MB: a profile at the end of a run shows
// only what is live then.
type peakWatch struct {
	mu   sync.Mutex
	peak residentParts
	stop chan struct{}
	done chan struct{}

	profileMB   int64  // 0: no profile
	profileFile string // where the profile goes
}

// residentParts is one sample, in MB.
type residentParts struct {
	anon, file         int64 // RssAnon, RssFile
	heapLive, heapIdle int64 // Go heap: objects in use; free spans not yet released to the OS
	stacks             int64 // goroutine stacks
	goTotal            int64 // everything the Go runtime holds, minus what it released to the OS
}

// startPeakWatch starts the watch; profileAt is TTPEVAL_HEAPPROFILE_AT's
// MB:FILE, or empty.
func startPeakWatch(profileAt string) (*peakWatch, error) {
	w := &peakWatch{stop: make(chan struct{}), done: make(chan struct{})}
	if profileAt != "" {
		mbText, file, ok := strings.Cut(profileAt, ":")
		mb, err := strconv.ParseInt(mbText, 10, 64)
		if !ok || err != nil || mb <= 0 || len(file) == 0 {
			return nil, fmt.Errorf("TTPEVAL_HEAPPROFILE_AT=%q: want MB:FILE", profileAt)
		}
		w.profileMB, w.profileFile = mb, file
	}
	go w.watch()
	return w, nil
}

func (w *peakWatch) watch() {
	defer close(w.done)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		s := sampleResident()
		if w.profileMB > 0 && s.anon+s.file >= w.profileMB {
			w.writeProfile(s)
			w.profileMB = 0
		}
		w.mu.Lock()
		if s.anon+s.file > w.peak.anon+w.peak.file {
			w.peak = s
		}
		w.mu.Unlock()
	}
}

func (w *peakWatch) writeProfile(s residentParts) {
	out, err := os.Create(w.profileFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ttpeval:", err)
		return
	}
	pprof.WriteHeapProfile(out)
	out.Close()
	fmt.Printf("resident memory passed %d MB: anonymous %d MB, file-backed %d MB; heap profile in %s\n", w.profileMB, s.anon, s.file, w.profileFile)
}

// report stops the watch and describes the highest sample.
func (w *peakWatch) report() string {
	close(w.stop)
	<-w.done
	p := w.peak
	return fmt.Sprintf("highest sample: %d MB resident = %d MB anonymous + %d MB file-backed; Go heap %d MB in objects, %d MB free but not yet returned, stacks %d MB, Go runtime total %d MB",
		p.anon+p.file, p.anon, p.file, p.heapLive, p.heapIdle, p.stacks, p.goTotal)
}

func sampleResident() residentParts {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
		{Name: "/memory/classes/total:bytes"},
	}
	metrics.Read(samples)
	mb := func(i int) int64 { return int64(samples[i].Value.Uint64() >> 20) }
	anonKB, fileKB := residentKB()
	return residentParts{
		anon: anonKB >> 10, file: fileKB >> 10,
		heapLive: mb(0), heapIdle: mb(1), stacks: mb(3),
		goTotal: mb(4) - mb(2),
	}
}

// residentKB reads RssAnon and RssFile from one read of /proc/self/status
// (0 if unknown).
func residentKB() (anon, file int64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	field := func(line, name []byte) (int64, bool) {
		rest, ok := bytes.CutPrefix(line, name)
		if !ok {
			return 0, false
		}
		kb, _ := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte("kB")))), 10, 64)
		return kb, true
	}
	for line := range bytes.Lines(b) {
		if kb, ok := field(line, []byte("RssAnon:")); ok {
			anon = kb
		} else if kb, ok := field(line, []byte("RssFile:")); ok {
			file = kb
		}
	}
	return anon, file
}
