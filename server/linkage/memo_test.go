package linkage

import (
	"bytes"
	"slices"
	"strconv"
	"testing"

	"github.com/ttpnl/ttp/synth"
)

// TestMemoChangesNoEncoding: records encoded again, every memo label's
// hash from the memo, encode as they did when the memo was empty; and a
// memo full of wrong values would show.
func TestMemoChangesNoEncoding(t *testing.T) {
	k := newKit(t)
	recs := population(300, synth.DefaultProfile())
	memoised, _ := k.encode(recs)
	again, _ := k.encode(recs)
	for i := range memoised {
		if memoised[i].Features != again[i].Features || memoised[i].Source != again[i].Source {
			t.Fatalf("record %d encodes differently from the memo", i)
		}
	}
	for _, scheme := range []Scheme{SchemeHMAC, SchemeCMAC} {
		e := NewEncoderOfScheme(bytes.Repeat([]byte{7}, 32), scheme)
		h := e.hasher()
		fresh := []uint64{h.of("year", "1970"), h.of("first-initial", "j"), h.keyed(false, "family-bigram", " j")}
		if len(h.memo) != 3 {
			t.Fatalf("scheme %d: %d values memoised; want 3", scheme, len(h.memo))
		}
		memo := []uint64{h.of("year", "1970"), h.of("first-initial", "j"), h.keyed(false, "family-bigram", " j")}
		if !slices.Equal(fresh, memo) {
			t.Fatalf("scheme %d: from the memo %v, computed %v", scheme, memo, fresh)
		}
		// A memo that answers wrongly changes the hash: the memo is used.
		for key := range h.memo {
			h.memo[key] = 12345
		}
		if h.of("year", "1970") != 12345 {
			t.Fatalf("scheme %d: a poisoned memo changed nothing: the memo is not read", scheme)
		}
		// A value that identifies is never kept.
		h.of("family", "jansen")
		if len(h.memo) != 3 {
			t.Fatalf("scheme %d: a family name was memoised", scheme)
		}
	}
}

// TestMemoBounded: values beyond maxMemo are hashed, not kept.
func TestMemoBounded(t *testing.T) {
	e := NewEncoder(bytes.Repeat([]byte{1}, 32))
	h := e.hasher()
	defer e.release(h)
	for i := range maxMemo + 100 {
		h.of("first-bigram", strconv.Itoa(i))
	}
	if n := len(h.memo); n != maxMemo {
		t.Fatalf("memo holds %d values; want at most %d", n, maxMemo)
	}
}

// TestMemoKeyDistinct: two memoised values, or one value under two
// labels, never share a key; values too long to pack are not kept.
func TestMemoKeyDistinct(t *testing.T) {
	seen := map[uint64]string{}
	for _, label := range []string{"family-bigram", "first-bigram", "year", "sex"} {
		for _, v := range []string{"a", "a\x00", "\x00a", "ab", "ba", " j", "1970", "197", "19700", "abcdef", "ß"} {
			key, ok := memoKey(memoLabel(label), []string{v})
			if !ok {
				t.Fatalf("%s %q not packed", label, v)
			}
			if other, dup := seen[key]; dup {
				t.Fatalf("%s %q has the key of %s", label, v, other)
			}
			seen[key] = label + " " + v
		}
	}
	if _, ok := memoKey(1, []string{"abcdefg"}); ok {
		t.Error("a value of 7 bytes was packed")
	}
	if _, ok := memoKey(1, []string{"a", "b"}); ok {
		t.Error("a value of two parts was packed")
	}
	if memoLabel("family") != 0 {
		t.Error("family names are memoised")
	}
}
