package badgerstore

import (
	"encoding/binary"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// A keyFilter knows, in memory, which person keys may be stored (persons
// as stores before the groups of persons kept them, persons.go), so that
// reading one that is certainly absent costs no Badger read: registration
// looks for the key of every person it founds, and of every person ID it
// reserves, and finds it absent. In Badger every such miss searches both
// memtables' skiplists before the tables' bloom filters say no.
//
// It is a Bloom filter that grows by adding a part twice the size of the
// last when that fills, so it needs no estimate of the index's size and
// never rebuilds; a lookup checks every part (a handful). Keys are never
// taken out (a deleted key only costs a Badger read, as before), and a key
// is added when a transaction writes it, before it commits, so a committed
// key is never reported absent. Until the keys stored when the store
// opened have all been added (fill), every key may be stored.
//
// A person key ends in 8 bytes of a random number, so its bits need only
// mixing, not a hash function.
type keyFilter struct {
	ready atomic.Bool
	mu    sync.Mutex // serialises growing
	parts atomic.Pointer[[]*bloomPart]
}

const (
	// filterProbes and filterBitsPerKey give about 1% false positives per
	// part at capacity.
	filterProbes     = 7
	filterBitsPerKey = 10
	// filterFirstKeys is the capacity of the first part: 1 MiB.
	filterFirstKeys = 1 << 20 * 8 / filterBitsPerKey
)

// filterHash returns key's hash if the filter covers it: a person key.
func filterHash(key []byte) (uint64, bool) {
	if len(key) != len(personPrefix)+8 || string(key[:len(personPrefix)]) != personPrefix {
		return 0, false
	}
	return mix64(binary.BigEndian.Uint64(key[len(personPrefix):])), true
}

// mix64 is the finaliser of SplitMix64: every input bit affects every
// output bit.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func newKeyFilter() *keyFilter {
	f := &keyFilter{}
	parts := []*bloomPart{newBloomPart(filterFirstKeys)}
	f.parts.Store(&parts)
	return f
}

// mayContain reports false only if key is certainly not stored.
func (f *keyFilter) mayContain(key []byte) bool {
	if f == nil || !f.ready.Load() {
		return true
	}
	h, ok := filterHash(key)
	if !ok {
		return true
	}
	for _, p := range *f.parts.Load() {
		if p.has(mix64(h), h) {
			return true
		}
	}
	return false
}

// mayHoldKeys reports whether any key may be stored: false once the
// filter is filled and no key was added, as in a store that never had a
// person key of its own.
func (f *keyFilter) mayHoldKeys() bool {
	if f == nil || !f.ready.Load() {
		return true
	}
	parts := *f.parts.Load()
	return len(parts) > 1 || parts[0].added.Load() > 0
}

// add records that key may be stored. Safe for concurrent use.
func (f *keyFilter) add(key []byte) {
	if f == nil {
		return
	}
	h, ok := filterHash(key)
	if !ok {
		return
	}
	parts := *f.parts.Load()
	last := parts[len(parts)-1]
	if last.added.Add(1) > last.capacity {
		last = f.grow(last)
	}
	last.add(mix64(h), h)
}

// grow adds a part twice the size of full unless another add did already,
// and returns the newest part.
func (f *keyFilter) grow(full *bloomPart) *bloomPart {
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := *f.parts.Load()
	if last := parts[len(parts)-1]; last != full {
		return last
	}
	grown := append(parts[:len(parts):len(parts)], newBloomPart(2*full.capacity))
	f.parts.Store(&grown)
	return grown[len(grown)-1]
}

// bytes is the filter's size in memory.
func (f *keyFilter) bytes() int64 {
	var n int64
	for _, p := range *f.parts.Load() {
		n += int64(len(p.words)) * 8
	}
	return n
}

// bloomPart is one Bloom filter: of the keyFilter, or of a posting run.
// It is blocked: a key's probes all fall in one 64-byte block, so that a
// lookup costs one cache miss, not one per probe (a run's filter is many
// MB, and a record asks ten of them about each of its keys: seven misses
// each made them a third of registration's CPU at a million records). The
// price is a little more false positives than an unblocked filter of the
// same size.
//
// The block is chosen by the top bits of the key's position, the probes'
// bits by its hash: two independent numbers. A posting run's position is
// the block key itself, by which the run is sorted, so that writing a run
// fills its filter from the first block to the last, not at random (at
// random, a cache miss per block key made the filters of merged runs a
// twentieth of registration's CPU at a million records).
type bloomPart struct {
	words    []uint64 // blocks of blockWords; shared ones read and written atomically
	shift    uint     // 64 - log2(blocks): a position's top bits pick its block
	capacity int64
	added    atomic.Int64
}

// blockWords is the words of a block: 512 bits, so a probe takes 9 bits
// of the key's hash, and seven probes 63.
const blockWords = 8

func newBloomPart(capacity int64) *bloomPart {
	return newBloomPartWords(bloomWords(capacity))
}

// bloomWords is the size in words of a filter for capacity keys: a power
// of two, at least a block.
func bloomWords(capacity int64) uint64 {
	nbits := uint64(1) << bits.Len64(uint64(max(capacity*filterBitsPerKey, 64*blockWords)-1))
	return nbits / 64
}

// newBloomPartWords is an empty filter of words words, a power of two and
// at least a block.
func newBloomPartWords(words uint64) *bloomPart {
	return &bloomPart{words: make([]uint64, words), shift: uint(64 - bits.Len64(words/blockWords-1)),
		capacity: int64(words * 64 / filterBitsPerKey)}
}

// block is the first word of the block of position pos. (With one block,
// shift is 64, and pos >> 64 is 0.)
func (p *bloomPart) block(pos uint64) uint64 {
	return (pos >> p.shift) * blockWords
}

// add adds the key of position pos and hash h to a filter that others may
// be reading.
func (p *bloomPart) add(pos, h uint64) {
	b := p.block(pos)
	for i := range uint64(filterProbes) {
		bit := h >> (9 * i) & 511
		atomic.OrUint64(&p.words[b+bit/64], 1<<(bit%64))
	}
}

// addUnshared adds a key to a filter that no one else reads or writes yet
// (a run or a batch being made): without atomic operations, which made
// building a merged run's filter a tenth of registration's CPU at a
// million records.
func (p *bloomPart) addUnshared(pos, h uint64) {
	b := p.block(pos)
	for i := range uint64(filterProbes) {
		bit := h >> (9 * i) & 511
		p.words[b+bit/64] |= 1 << (bit % 64)
	}
}

// has reports whether the key of position pos and hash h may have been
// added. Probe by probe, stopping at the first bit not set: a filter is
// asked mostly for what it lacks, and that takes two probes on average
// (checking the block's words all at once was twice as slow).
func (p *bloomPart) has(pos, h uint64) bool {
	b := p.block(pos)
	for i := range uint64(filterProbes) {
		bit := h >> (9 * i) & 511
		if atomic.LoadUint64(&p.words[b+bit/64])&(1<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}

// fillFilter adds every stored key the filter covers, then makes the
// filter ready. It runs beside the store's work from Open on, on a
// snapshot: a key written after the snapshot was added by the transaction
// that wrote it. If it fails, the filter stays unready and every read goes
// to Badger, as without one.
func (s *Store) fillFilter() {
	start := time.Now()
	var keys int64
	stopped := false
	err := s.db.View(func(txn *badger.Txn) error {
		t := newTx(txn, false, nil)
		key := append(make([]byte, 0, len(personPrefix)+8), personPrefix...)
		return t.scan("fill key filter", personPrefix, nil, true, func(rest, _ []byte) error {
			s.filter.add(append(key, rest...))
			if keys++; keys%(1<<16) == 0 {
				select {
				case <-s.stop:
					stopped = true
					return errStop
				default:
				}
			}
			return nil
		})
	})
	switch {
	case stopped:
	case err != nil:
		s.log.Warn("key filter not filled: every index read goes to the store", "err", err)
	default:
		s.filter.ready.Store(true)
		s.log.Debug("key filter filled", "keys", keys, "bytes", s.filter.bytes(), "took", time.Since(start).Round(time.Millisecond))
	}
}
