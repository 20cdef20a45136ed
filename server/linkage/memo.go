package linkage

import (
	"sync"
	"sync/atomic"
)

// memoLabels are the labels whose values are few and identify no one: two
// letters of a name, a part of a birth date, sex, an initial. Their keyed
// hashes are kept (hashMemo), so that a record's twenty-odd of them cost a
// map lookup each instead of an HMAC: about a third of encoding. A value
// that identifies (a name, a BSN, a source, a postcode) is never kept, so
// that no list of them stays in memory.
var memoLabels = map[string]bool{
	"family-bigram": true,
	"first-bigram":  true,
	"year":          true,
	"day-or-month":  true,
	"sex":           true,
	"first-initial": true,
}

// maxMemo bounds the memo: a name's letters come from any alphabet, so its
// two-letter fragments are not few for a caller who wants them not to be.
const maxMemo = 1 << 16

// hashMemo maps label ‖ 0 ‖ value to its keyed hash. Safe for concurrent
// use.
type hashMemo struct {
	m sync.Map // string → uint64
	n atomic.Int64
}

func (m *hashMemo) load(key []byte) (uint64, bool) {
	v, ok := m.m.Load(string(key))
	if !ok {
		return 0, false
	}
	return v.(uint64), true
}

func (m *hashMemo) store(key []byte, v uint64) {
	if m.n.Load() < maxMemo {
		if _, loaded := m.m.LoadOrStore(string(key), v); !loaded {
			m.n.Add(1)
		}
	}
}
