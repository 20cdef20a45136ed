package badgerstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

// pointerFileStore opens the store in dir with 60 records (IDs 1-60,
// person = ID), unless it has them.
func pointerFileStore(t *testing.T, dir string) *Store {
	t.Helper()
	s := openSmallBuffer(t, dir)
	var n int64
	if err := s.View(context.Background(), func(tx store.Tx) error {
		st, err := tx.Index().Stats()
		n = st.Records
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		return s
	}
	var recs []store.IndexRecord
	for id := uint64(1); id <= 60; id++ {
		recs = append(recs, store.IndexRecord{ID: id, Source: 1<<40 + id, Person: id, Blocks: []uint64{7}})
	}
	update(t, s, func(ix store.PersonIndex) error { return ix.Add(recs) })
	return s
}

func update(t *testing.T, s *Store, fn func(store.PersonIndex) error) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx store.Tx) error { return fn(tx.Index()) }); err != nil {
		t.Fatal(err)
	}
}

// readPersons reads records 1-60 in a View: their persons (0: absent).
// readPersons reads records 1 to 60 in a View: their persons, and how
// many pointer reads that took and how many of them the pointer file
// answered.
func readPersons(t *testing.T, s *Store) (persons map[uint64]uint64, gets, slots int64) {
	t.Helper()
	before := s.WorkCounts()
	out := map[uint64]uint64{}
	err := s.View(context.Background(), func(tx store.Tx) error {
		var ids []uint64
		for id := uint64(1); id <= 60; id++ {
			ids = append(ids, id)
		}
		recs, err := tx.Index().Records(ids)
		for id, r := range recs {
			out[id] = r.Person
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	after := s.WorkCounts()
	return out, after.PointerGets - before.PointerGets, after.PointerSlots - before.PointerSlots
}

// TestPointerFileAnswersAfterCleanReopen: after a clean close the pointer
// file answers every pointer read, with the pointers of the last commits
// (a changed person, a deleted record).
func TestPointerFileAnswersAfterCleanReopen(t *testing.T) {
	dir := t.TempDir()
	s := pointerFileStore(t, dir)
	update(t, s, func(ix store.PersonIndex) error { return ix.SetPerson(5, 500) })
	update(t, s, func(ix store.PersonIndex) error { return ix.DeleteRecords([]uint64{6}) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openSmallBuffer(t, dir)
	defer s.Close()
	persons, gets, slots := readPersons(t, s)
	if gets != 60 || slots != 60 {
		t.Fatalf("%d pointer reads, %d of them from the pointer file; want all 60 from it", gets, slots)
	}
	if persons[5] != 500 || persons[6] != 0 || persons[7] != 7 || len(persons) != 59 {
		t.Fatalf("record 5 of person %d (want 500), record 6 of %d (want deleted), record 7 of %d, %d records",
			persons[5], persons[6], persons[7], len(persons))
	}
}

// TestPointerFileRebuiltAfterCrash: a store not closed cleanly rebuilds
// the file from Badger, so a file left stale by a crash (here: the file
// of before a person change and a deletion) gives no stale pointer.
func TestPointerFileRebuiltAfterCrash(t *testing.T) {
	dir := t.TempDir()
	s := pointerFileStore(t, dir)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "records", pointerFileName)
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s = openSmallBuffer(t, dir)
	update(t, s, func(ix store.PersonIndex) error { return ix.SetPerson(5, 500) })
	update(t, s, func(ix store.PersonIndex) error { return ix.DeleteRecords([]uint64{6}) })
	s.slots.crashAtClose = true
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	s = openSmallBuffer(t, dir)
	defer s.Close()
	persons, _, n := readPersons(t, s)
	if persons[5] != 500 || persons[6] != 0 {
		t.Fatalf("after the crash: record 5 of person %d (want 500), record 6 of %d (want deleted)", persons[5], persons[6])
	}
	if n != 59 {
		t.Fatalf("the rebuilt pointer file answered %d reads; want the 59 records Badger has", n)
	}
}

// TestPointerFileViewSeesItsSnapshot: a View that began before a person
// change reads the record as it was, although the file has the new
// pointer by then.
func TestPointerFileViewSeesItsSnapshot(t *testing.T) {
	s := pointerFileStore(t, t.TempDir())
	defer s.Close()
	var inView uint64
	err := s.View(context.Background(), func(tx store.Tx) error {
		update(t, s, func(ix store.PersonIndex) error { return ix.SetPerson(5, 500) })
		recs, err := tx.Index().Records([]uint64{5})
		inView = recs[5].Person
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if inView != 5 {
		t.Fatalf("a View from before the change read person %d; want 5", inView)
	}
	if persons, _, _ := readPersons(t, s); persons[5] != 500 {
		t.Fatalf("a View from after the change read person %d; want 500", persons[5])
	}
}

// TestPointerFileFlippedSlot: a slot that fails its check is read from
// Badger instead, not trusted.
func TestPointerFileFlippedSlot(t *testing.T) {
	dir := t.TempDir()
	s := pointerFileStore(t, dir)
	update(t, s, func(ix store.PersonIndex) error { return ix.SetPerson(5, 500) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "records", pointerFileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[5*slotBytes+14] ^= 1 // in record 5's pointer
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s = openSmallBuffer(t, dir)
	defer s.Close()
	persons, _, n := readPersons(t, s)
	if persons[5] != 500 || persons[4] != 4 {
		t.Fatalf("record 5 of person %d (want 500), 4 of %d", persons[5], persons[4])
	}
	if n != 59 {
		t.Fatalf("%d reads from the pointer file; want 59 (not the flipped slot)", n)
	}
}

// TestPointerFileOfAnotherBackup: a Badger directory restored from one
// clean close with the pointer file of a later one is not trusted: the
// file is rebuilt, and the records read as the restored Badger has them.
func TestPointerFileOfAnotherBackup(t *testing.T) {
	dir, restored := t.TempDir(), t.TempDir()
	s := pointerFileStore(t, dir)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(restored, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	s = openSmallBuffer(t, dir)
	update(t, s, func(ix store.PersonIndex) error { return ix.SetPerson(5, 500) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	later, err := os.ReadFile(filepath.Join(dir, "records", pointerFileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, "records", pointerFileName), later, 0o600); err != nil {
		t.Fatal(err)
	}
	s = openSmallBuffer(t, restored)
	defer s.Close()
	// Commits of the restored store take the numbers the later file's
	// slots carry.
	for range 3 {
		update(t, s, func(ix store.PersonIndex) error { return ix.SetPerson(7, 700) })
	}
	if persons, _, _ := readPersons(t, s); persons[5] != 5 || persons[7] != 700 {
		t.Fatalf("record 5 of person %d, 7 of %d; want 5, as the restored store has it, and 700", persons[5], persons[7])
	}
}

// TestPointerFileViewDuringACommitsCallback: a View that begins after a
// commit is visible in Badger but before its callback wrote the commit's
// pointers into the file reads the records that commit changed as the
// commit left them: a person changed, a record deleted (a patient's
// objection), not the file's older slots. Records the commit did not
// change are still read from the file.
func TestPointerFileViewDuringACommitsCallback(t *testing.T) {
	s := pointerFileStore(t, t.TempDir())
	defer s.Close()
	inCallback, release := make(chan struct{}), make(chan struct{})
	s.slots.beforeWrite = func() {
		close(inCallback)
		<-release
	}
	wait, err := s.UpdateAsync(context.Background(), func(tx store.Tx) error {
		if err := tx.Index().SetPerson(5, 500); err != nil {
			return err
		}
		return tx.Index().DeleteRecords([]uint64{6})
	})
	if err != nil {
		t.Fatal(err)
	}
	<-inCallback // the commit is visible; its slots are not written
	persons, gets, slots := readPersons(t, s)
	close(release)
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if persons[5] != 500 {
		t.Errorf("record 5 read with person %d; want 500, as the View's snapshot has it", persons[5])
	}
	if p, ok := persons[6]; ok {
		t.Errorf("record 6, deleted in the View's snapshot, read with person %d", p)
	}
	if slots < gets-2 {
		t.Errorf("%d of %d pointer reads from the file; want all but the two changed records", slots, gets)
	}
}

// TestPointerMirror: the pointers of records unchanged since they were
// added are read from memory; a record changed or deleted is read from the
// file from then on; a View never reads from memory a record added after
// its snapshot; after a clean reopen the mirror holds the file's pointers,
// including those changed before (no snapshot is older than the open).
func TestPointerMirror(t *testing.T) {
	dir := t.TempDir()
	s := pointerFileStore(t, dir)
	mirrored := func() int64 { return s.WorkCounts().PointerMirror }
	before := mirrored()
	if persons, gets, _ := readPersons(t, s); len(persons) != 60 || gets != 60 || mirrored()-before != 60 {
		t.Fatalf("%d records, %d pointer reads, %d from memory; want 60 from memory", len(persons), gets, mirrored()-before)
	}
	update(t, s, func(ix store.PersonIndex) error { return ix.SetPerson(5, 500) })
	update(t, s, func(ix store.PersonIndex) error { return ix.DeleteRecords([]uint64{6}) })
	before = mirrored()
	persons, _, _ := readPersons(t, s)
	if persons[5] != 500 || persons[6] != 0 || len(persons) != 59 || mirrored()-before != 58 {
		t.Fatalf("after a change and a deletion: record 5 of person %d (want 500), record 6 of %d (want deleted), %d from memory (want 58)",
			persons[5], persons[6], mirrored()-before)
	}
	late := store.IndexRecord{ID: 61, Source: 1<<40 + 61, Person: 61, Blocks: []uint64{7}}
	err := s.View(context.Background(), func(tx store.Tx) error {
		update(t, s, func(ix store.PersonIndex) error { return ix.Add([]store.IndexRecord{late}) })
		recs, err := tx.Index().Records([]uint64{61})
		if len(recs) != 0 {
			t.Errorf("a View from before record 61 was added reads it: %v", recs)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openSmallBuffer(t, dir)
	defer s.Close()
	before = mirrored()
	persons, gets, _ := readPersons(t, s)
	if persons[5] != 500 || persons[6] != 0 || gets != 60 || mirrored()-before != 59 {
		t.Fatalf("reopened: record 5 of person %d (want 500), record 6 of %d (want deleted), %d of %d reads from memory (want all but the deleted one)",
			persons[5], persons[6], mirrored()-before, gets)
	}
}

// TestPackPointer: a pointer packs and unpacks to itself; one whose
// segment or length does not fit is not packed (its record is read from
// the file), nor is one of a record beyond the mirror's budget.
func TestPackPointer(t *testing.T) {
	for _, c := range []struct {
		segment, offset, length uint32
		fits                    bool
	}{{1, 0, 300, true}, {0, 1<<27 - 1, 4095, true}, {1<<19 - 1, 1 << 31, 1, true}, {1 << 19, 0, 300, false}, {3, 5, 4096, false}} {
		p := binary.BigEndian.AppendUint32(nil, c.segment)
		p = binary.BigEndian.AppendUint32(p, c.offset)
		p = binary.BigEndian.AppendUint32(p, c.length)
		v, ok := packPointer(p)
		if ok != c.fits {
			t.Errorf("%v: packed %v, want %v", c, ok, c.fits)
			continue
		}
		if ok && !bytes.Equal(unpackPointer(v), p) {
			t.Errorf("%v: unpacked %x, want %x", c, unpackPointer(v), p)
		}
	}
	m := pointerMirror{chunksAllowed: 1}
	m.added(9, []byte{0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 16, 0}) // length 4096
	if _, ok := m.pointer(9); ok {
		t.Error("a pointer that does not fit is answered from memory")
	}
	fits := []byte{0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 1, 0}
	m.added(10, fits)
	m.added(mirrorChunkSlots, fits) // beyond the budget of one chunk
	if p, ok := m.pointer(10); !ok || !bytes.Equal(p, fits) {
		t.Errorf("record 10 from memory: %x, %v; want %x", p, ok, fits)
	}
	if _, ok := m.pointer(mirrorChunkSlots); ok {
		t.Error("a record beyond the budget is answered from memory")
	}
}

// TestPointerMirrorFannedOut: a View's record reads fanned out over
// goroutines read the mirror and the snapshot's top ID at once (run with
// -race), and find every record with its person.
func TestPointerMirrorFannedOut(t *testing.T) {
	s := openSmallBuffer(t, t.TempDir())
	defer s.Close()
	var recs []store.IndexRecord
	var ids []uint64
	for id := uint64(1); id <= 500; id++ {
		recs = append(recs, store.IndexRecord{ID: id, Source: 1<<40 + id, Person: 1000 + id, Blocks: []uint64{mix64(id)}})
		ids = append(ids, id)
	}
	update(t, s, func(ix store.PersonIndex) error { return ix.Add(recs) })
	before := s.WorkCounts().PointerMirror
	err := s.View(context.Background(), func(tx store.Tx) error {
		got, err := tx.Index().Records(ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if got[id].Person != 1000+id {
				t.Fatalf("record %d of person %d; want %d", id, got[id].Person, 1000+id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.WorkCounts().PointerMirror - before; n != 500 {
		t.Errorf("%d of 500 pointers read from memory", n)
	}
}
