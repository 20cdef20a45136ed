package badgerstore

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

// TestRecordLogPointerOfAnotherRecord reads a record through another
// record's pointer, as a swapped Badger value would: ErrCorrupt, not the
// other record.
func TestRecordLogPointerOfAnotherRecord(t *testing.T) {
	l, err := openRecordLog(t.TempDir(), bytes.Repeat([]byte{7}, 32), new(workCounters))
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	records := []store.IndexRecord{{ID: 1, Source: 11, Person: 1, Features: []byte("one")}, {ID: 2, Source: 12, Person: 2, Features: []byte("two")}}
	pointers, err := l.appendRecords(records)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := l.read(2, pointers[1]); err != nil || !bytes.Equal(got, encodeRecord(&records[1])) {
		t.Fatalf("read 2: %q, %v", got, err)
	}
	if got, err := l.read(2, pointers[0]); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("record 2 through record 1's pointer: %q, %v; want ErrCorrupt", got, err)
	}
}

// TestRecordLogNewSegmentAtOpen appends, reopens and appends again: the
// second append must go to a new segment, so that an offset a crash left
// unnamed is never sealed under the same nonce again; both read back.
func TestRecordLogNewSegmentAtOpen(t *testing.T) {
	dir := t.TempDir()
	key := bytes.Repeat([]byte{7}, 32)
	l, err := openRecordLog(dir, key, new(workCounters))
	if err != nil {
		t.Fatal(err)
	}
	first, err := l.appendRecords([]store.IndexRecord{{ID: 1, Source: 11, Person: 1, Features: []byte("one")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.sync(); err != nil {
		t.Fatal(err)
	}
	l.close()
	if l, err = openRecordLog(dir, key, new(workCounters)); err != nil {
		t.Fatal(err)
	}
	defer l.close()
	second, err := l.appendRecords([]store.IndexRecord{{ID: 2, Source: 12, Person: 2, Features: []byte("two")}})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first[0][:4], second[0][:4]) {
		t.Errorf("both appends in segment %x", first[0][:4])
	}
	for i, p := range [][]byte{first[0], second[0]} {
		if got, err := l.read(uint64(i+1), p); err != nil || len(got) == 0 {
			t.Errorf("record %d: %q, %v", i+1, got, err)
		}
	}
}
