package pgstore_test

import (
	"testing"

	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/storetest"
)

// The conformance suite, with Peer a second Store on the same database:
// a pool of its own, as another ttpd process has.
func TestConformance(t *testing.T) {
	urls := map[store.Store]string{}
	storetest.Run(t, storetest.Factory{
		New: func(t *testing.T) store.Store {
			url := pgtestURL(t)
			s := open(t, url)
			urls[s] = url
			return s
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s2 := open(t, urls[s])
			urls[s2] = urls[s]
			return s2
		},
		Peer: func(t *testing.T, s store.Store) store.Store {
			p := open(t, urls[s])
			urls[p] = urls[s]
			return p
		},
	})
}
