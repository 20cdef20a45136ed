package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progressBar shows how far through the input file a run is, on a terminal
// only: in a script or CI log it would be noise.
type progressBar struct {
	w     io.Writer
	total int64
	start time.Time
	mu    sync.Mutex
	last  time.Time
}

func newProgressBar(w io.Writer, in *os.File) *progressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	st, err := in.Stat()
	if err != nil || st.Size() == 0 {
		return nil
	}
	return &progressBar{w: w, total: st.Size(), start: time.Now()}
}

func (p *progressBar) update(done int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw(done)
}

func (p *progressBar) draw(done int64) {
	frac := float64(done) / float64(p.total)
	frac = min(max(frac, 0), 1)
	const width = 30
	filled := int(frac * width)
	rate := float64(done) / time.Since(p.start).Seconds() / (1 << 20)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %.1f MiB/s", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), frac*100, rate)
}

// finish ends the bar's line; a run that failed does not claim 100%.
func (p *progressBar) finish(completed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if completed {
		p.draw(p.total)
	}
	fmt.Fprintln(p.w)
}
