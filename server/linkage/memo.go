package linkage

// memoised reports whether label's values are few and identify no one: two
// letters of a name, a part of a birth date, sex, an initial. Their keyed
// hashes are kept (hashMemo), so that a record's twenty-odd of them cost a
// map lookup each instead of a keyed hash: about a third of encoding. A
// value that identifies (a name, a BSN, a source, a postcode) is never
// kept, so that no list of them stays in memory. (A switch, not a map: a
// map lookup per keyed hash was a sixth of their cost.)
func memoised(label string) bool {
	switch label {
	case "family-bigram", "first-bigram", "year", "day-or-month", "sex", "first-initial":
		return true
	}
	return false
}

// maxMemo bounds the memo: a name's letters come from any alphabet, so its
// two-letter fragments are not few for a caller who wants them not to be.
const maxMemo = 1 << 16

// hashMemo maps label ‖ 0 ‖ value to its keyed hash. Each hasher has its
// own (hashers are pooled): a lookup takes no lock and allocates nothing,
// where one shared sync.Map cost a sixth of encoding.
type hashMemo map[string]uint64

func (m hashMemo) load(key []byte) (uint64, bool) {
	v, ok := m[string(key)]
	return v, ok
}

func (m hashMemo) store(key []byte, v uint64) {
	if len(m) < maxMemo {
		m[string(key)] = v
	}
}
