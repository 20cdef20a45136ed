package main

import (
	"fmt"
	"runtime/metrics"
	"sync"
	"time"
)

// peakWatch samples the process's resident memory five times a second and
// keeps the parts of the highest sample: the kernel's peak (Maxrss) says
// how high memory went, not what it was made of, and the answer decides
// the fix (Go heap over the soft limit, heap the runtime has not yet given
// back, or table pages of Badger's file mappings).
type peakWatch struct {
	mu   sync.Mutex
	peak residentParts
	stop chan struct{}
	done chan struct{}
}

// residentParts is one sample, in MB.
type residentParts struct {
	anon, file         int64 // RssAnon, RssFile
	heapLive, heapIdle int64 // Go heap: objects in use; free spans not yet released to the OS
	heapFree, stacks   int64 // Go heap spans free and released (no RSS); goroutine stacks
	goTotal            int64 // everything the Go runtime has mapped, minus what it released
}

func startPeakWatch() *peakWatch {
	w := &peakWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
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
			w.mu.Lock()
			if s.anon+s.file > w.peak.anon+w.peak.file {
				w.peak = s
			}
			w.mu.Unlock()
		}
	}()
	return w
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
	return residentParts{
		anon: residentKB("RssAnon:") >> 10, file: residentKB("RssFile:") >> 10,
		heapLive: mb(0), heapIdle: mb(1), stacks: mb(3),
		goTotal: mb(4) - mb(2),
	}
}
