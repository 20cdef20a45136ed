package linkage

// memoLabel numbers the labels whose values are few and identify no one:
// two letters of a name, a part of a birth date, sex, an initial; 0 for
// any other. Their keyed hashes are kept (hashMemo), so that a record's
// twenty-odd of them cost a map lookup each instead of a keyed hash: about
// a third of encoding. A value that identifies (a name, a BSN, a source, a
// postcode) is never kept, so that no list of them stays in memory. (A
// switch, not a map: a map lookup per keyed hash was a sixth of their
// cost.)
func memoLabel(label string) uint64 {
	switch label {
	case "family-bigram":
		return 1
	case "first-bigram":
		return 2
	case "year":
		return 3
	case "day-or-month":
		return 4
	case "sex":
		return 5
	case "first-initial":
		return 6
	}
	return 0
}

// memoKey packs a memoised label's number and its value into one number:
// the label in the top byte, the value's length in the next, its bytes
// below. ok is false for a value of more than one part or of more than six
// bytes, which is hashed, not kept. (Keyed by label ‖ 0 ‖ value as a
// string, the memo's lookups cost twice as much: a string hashed and
// compared.)
func memoKey(label uint64, parts []string) (key uint64, ok bool) {
	if len(parts) != 1 || len(parts[0]) > 6 {
		return 0, false
	}
	v := parts[0]
	key = label<<56 | uint64(len(v))<<48
	for i := 0; i < len(v); i++ {
		key |= uint64(v[i]) << (8 * i)
	}
	return key, true
}

// maxMemo bounds the memo: a name's letters come from any alphabet, so its
// two-letter fragments are not few for a caller who wants them not to be.
const maxMemo = 1 << 16

// hashMemo maps a memoKey to its keyed hash. Each hasher has its own
// (hashers are pooled): a lookup takes no lock and allocates nothing,
// where one shared sync.Map cost a sixth of encoding.
type hashMemo map[uint64]uint64

func (m hashMemo) store(key, v uint64) {
	if len(m) < maxMemo {
		m[key] = v
	}
}
