package linkage

import (
	"bytes"
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
	if k.enc.memo.n.Load() == 0 {
		t.Fatal("nothing memoised: the test does not test the memo")
	}
	// A memo that answers wrongly changes the encoding: the memo is used.
	k.enc.memo.m.Range(func(key, _ any) bool {
		k.enc.memo.m.Store(key, uint64(12345))
		return true
	})
	wrong, _ := k.encode(recs)
	if wrong[0].Features == memoised[0].Features {
		t.Fatal("a poisoned memo changed nothing: the memo is not read")
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
	if n := e.memo.n.Load(); n != maxMemo {
		t.Fatalf("memo holds %d values; want at most %d", n, maxMemo)
	}
}
