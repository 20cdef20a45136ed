package client

import (
	"errors"
	"io"

	"github.com/ttpnl/ttp/client/columnguard"
	"github.com/ttpnl/ttp/client/csvfile"
)

// rowSource is where readChunks takes its rows from.
type rowSource interface {
	Next() (csvfile.Row, error)
	BytesRead() int64
}

// guardColumns runs the identifier guard (package columnguard) on the
// header and the first columnguard.SampleRows rows, and returns the rows to
// code: those it read, then the rest of r. It reads before anything is
// sent, so a refused file sends nothing.
func guardColumns(r *csvfile.Reader, cols []int, keep []string) (rowSource, error) {
	g, err := columnguard.New(r.Header(), cols, keep)
	if err != nil {
		return nil, err
	}
	src := &sampledRows{Reader: r}
	for len(src.sample) < columnguard.SampleRows {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			src.eof = true
			break
		}
		if err != nil {
			// A broken file: it is reported when the rows are read on.
			src.err = err
			break
		}
		src.sample = append(src.sample, row)
		if row.Problem == nil {
			g.Observe(row.Fields)
		}
	}
	if err := g.Check(); err != nil {
		return nil, err
	}
	return src, nil
}

// sampledRows gives the rows the guard read ahead, then the rest of the
// file.
type sampledRows struct {
	*csvfile.Reader
	sample []csvfile.Row
	eof    bool
	err    error // the reader's error after the sample
}

func (s *sampledRows) Next() (csvfile.Row, error) {
	if len(s.sample) > 0 {
		row := s.sample[0]
		s.sample = s.sample[1:]
		return row, nil
	}
	switch {
	case s.err != nil:
		return csvfile.Row{}, s.err
	case s.eof:
		return csvfile.Row{}, io.EOF
	}
	return s.Reader.Next()
}
