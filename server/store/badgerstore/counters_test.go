package badgerstore

import "testing"

// TestCountersOfAnOlderStore: a store from before reserved person IDs has
// counters without nextPerson; they decode with it 0 (the first
// reservation then starts at 1 and skips recorded persons), and every
// other counter as it was. Any other length is corrupt.
func TestCountersOfAnOlderStore(t *testing.T) {
	c := counters{nextID: 1, records: 2, persons: 3, lastChange: 4, lastAudit: 5, topID: 6, nextPerson: 7}
	b := c.encode()
	if got, err := decodeCounters(b); err != nil || got != c {
		t.Errorf("decode(encode(%+v)) = %+v, %v", c, got, err)
	}
	older := c
	older.nextPerson = 0
	if got, err := decodeCounters(b[:countersV1Len]); err != nil || got != older {
		t.Errorf("counters of an older store decode as %+v, %v; want %+v", got, err, older)
	}
	for _, n := range []int{0, countersV1Len - 1, countersLen - 1, countersLen + 1} {
		if _, err := decodeCounters(append(b, 0)[:n]); err == nil {
			t.Errorf("counters of %d bytes decode", n)
		}
	}
}
