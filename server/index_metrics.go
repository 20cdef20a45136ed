package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ttpnl/ttp/server/store"
)

// indexGauges reports, at scrape time, the person index's size and the
// length of its review queue, read from the store (on a shared store they
// are every server's). Counting the review queue reads every open item,
// and the metrics listener takes no client certificate, so the figures
// are read at most once per indexGaugesMaxAge, by one scrape at a time.
type indexGauges struct {
	st  store.Store
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex // one reading at a time; guards the fields below
	read    time.Time
	stats   store.IndexStats
	reviews int
	ok      bool // the last reading succeeded
}

const indexGaugesMaxAge = 2 * time.Second

var (
	indexRecordsDesc = prometheus.NewDesc("ttp_index_records", "Records in the person index.", nil, nil)
	indexPersonsDesc = prometheus.NewDesc("ttp_index_persons", "Persons in the person index.", nil, nil)
	reviewQueueDesc  = prometheus.NewDesc("ttp_review_queue_length", "Open review items: records waiting for a clerk (ttp admin review list).", nil, nil)
)

func (g *indexGauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- indexRecordsDesc
	ch <- indexPersonsDesc
	ch <- reviewQueueDesc
}

// Collect reports the last reading, refreshed if it is too old; a store
// that does not answer leaves the gauges out (an alert on absent() sees
// it) rather than report stale figures as new.
func (g *indexGauges) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now := g.now(); now.Sub(g.read) >= indexGaugesMaxAge {
		g.read = now
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var err error
		g.stats, g.reviews, err = readIndexGauges(ctx, g.st)
		cancel()
		if g.ok = err == nil; !g.ok {
			g.log.Warn("metrics: cannot read the person index's figures", "err", err)
		}
	}
	if !g.ok {
		return
	}
	ch <- prometheus.MustNewConstMetric(indexRecordsDesc, prometheus.GaugeValue, float64(g.stats.Records))
	ch <- prometheus.MustNewConstMetric(indexPersonsDesc, prometheus.GaugeValue, float64(g.stats.Persons))
	ch <- prometheus.MustNewConstMetric(reviewQueueDesc, prometheus.GaugeValue, float64(g.reviews))
}

// readIndexGauges reads the index's counters and counts the open review
// items, in pages, in one snapshot.
func readIndexGauges(ctx context.Context, st store.Store) (stats store.IndexStats, reviews int, err error) {
	const page = 1000
	err = st.View(ctx, func(tx store.Tx) error {
		var err error
		if stats, err = tx.Index().Stats(); err != nil {
			return err
		}
		for after := uint64(0); ; {
			items, err := tx.Index().Reviews(after, page)
			if err != nil {
				return err
			}
			reviews += len(items)
			if len(items) < page {
				return nil
			}
			after = items[len(items)-1].Record
		}
	})
	return stats, reviews, err
}
