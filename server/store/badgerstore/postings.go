package badgerstore

import (
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/ttpnl/ttp/server/store"
)

// A block's members are a posting list: its head (headPrefix + block) holds
// the newest, and chunks (chunkPrefix + block + n) the older ones, chunk
// 0 the oldest. Matching reads at most the newest 64 members of a block,
// so the head alone answers it: one point read per block, whatever the
// block's size, and a new member rewrites only the head. The head holds
// between headKeep and headKeep+chunkSize-1 members once there are that
// many; when it fills, its oldest chunkSize members move to a new chunk.
//
// Members are record IDs, newest (largest) first, stored as varint
// differences: a block's recent members are close together, so a full
// head takes a few hundred bytes, not 8 per member.
const (
	// headKeep is how many members the head keeps: BlockMembers with a
	// perBlock up to it reads nothing else.
	headKeep = 64
	// chunkSize is how many members move from the head to a chunk at a
	// time. Larger chunks mean fewer keys but a larger head to rewrite.
	chunkSize = 32
)

// posting is a decoded head: the newest members, newest first, and how
// many chunks hold older ones. Every member of the head is newer than
// every member of a chunk.
type posting struct {
	ids    []uint64
	chunks uint32
}

// appendIDs encodes ids, which must be strictly decreasing: their count,
// the first, then each one's difference from the one before.
func appendIDs(b []byte, ids []uint64) []byte {
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for i, id := range ids {
		if i == 0 {
			b = binary.AppendUvarint(b, id)
		} else {
			b = binary.AppendUvarint(b, ids[i-1]-id)
		}
	}
	return b
}

// readIDs decodes what appendIDs wrote and returns the rest of b.
func readIDs(b []byte) ([]uint64, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, nil, corrupt("block members")
	}
	b = b[k:]
	ids := make([]uint64, n)
	for i := range ids {
		v, k := binary.Uvarint(b)
		if k <= 0 || (i > 0 && (v == 0 || v >= ids[i-1])) {
			return nil, nil, corrupt("block members")
		}
		b = b[k:]
		if i == 0 {
			ids[i] = v
		} else {
			ids[i] = ids[i-1] - v
		}
	}
	return ids, b, nil
}

func (p *posting) encode() []byte {
	b := binary.AppendUvarint(make([]byte, 0, 4+3*len(p.ids)), uint64(p.chunks))
	return appendIDs(b, p.ids)
}

func decodePosting(b []byte) (*posting, error) {
	chunks, k := binary.Uvarint(b)
	if k <= 0 || chunks > 1<<32-1 {
		return nil, corrupt("block head")
	}
	ids, rest, err := readIDs(b[k:])
	if err != nil || len(rest) != 0 || len(ids) == 0 {
		return nil, corrupt("block head")
	}
	return &posting{ids: ids, chunks: uint32(chunks)}, nil
}

// head returns block's head, from this transaction's heads if it read or
// wrote it already, else from Badger; nil when the block has no members.
// Safe for concurrent use.
func (t *tx) head(block uint64, key []byte) (*posting, error) {
	t.mu.Lock()
	p, ok := t.heads[block]
	t.mu.Unlock()
	if ok {
		return p, nil
	}
	_, err := t.get("read block members", appendNumKey(key[:0], headPrefix, block), func(v []byte) (err error) {
		p, err = decodePosting(v)
		return err
	})
	if err != nil {
		return nil, err
	}
	if t.update {
		t.setHead(block, p)
	}
	return p, nil
}

// chunk reads chunk n of block.
func (t *tx) chunk(block uint64, n uint32) ([]uint64, error) {
	var ids []uint64
	found, err := t.get("read block members", chunkKey(block, n), func(v []byte) error {
		var rest []byte
		var err error
		ids, rest, err = readIDs(v)
		if err == nil && len(rest) != 0 {
			err = corrupt("block members")
		}
		return err
	})
	if err == nil && !found {
		err = corrupt("block members (a chunk is missing)")
	}
	return ids, err
}

// members returns up to perBlock of block's newest members, newest first,
// in a new slice. Safe for concurrent use.
func (t *tx) members(block uint64, perBlock int, key []byte) ([]uint64, error) {
	p, err := t.head(block, key)
	if err != nil || p == nil || perBlock <= 0 {
		return nil, err
	}
	out := slices.Clone(p.ids[:min(perBlock, len(p.ids))])
	for n := p.chunks; n > 0 && len(out) < perBlock; n-- {
		ids, err := t.chunk(block, n-1)
		if err != nil {
			return nil, err
		}
		out = append(out, ids[:min(perBlock-len(out), len(ids))]...)
	}
	return out, nil
}

// BlockMembers reads the blocks' heads, fanned out over goroutines.
func (ix index) BlockMembers(blocks []uint64, perBlock int) (map[uint64][]uint64, error) {
	found := make([][]uint64, len(blocks))
	order := keyOrder(blocks)
	err := fanOut(len(blocks), func(lo, hi int) error {
		key := make([]byte, 0, len(headPrefix)+8)
		for _, i := range order[lo:hi] {
			var err error
			if found[i], err = ix.t.members(blocks[i], perBlock, key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[uint64][]uint64, len(blocks))
	for i, ids := range found {
		if len(ids) > 0 {
			out[blocks[i]] = ids
		}
	}
	return out, nil
}

// addMembers adds ids (ascending, each new to the block) to block's
// posting list and writes what changed.
func (t *tx) addMembers(block uint64, ids []uint64) error {
	p, err := t.head(block, nil)
	if err != nil {
		return err
	}
	if p == nil {
		p = &posting{}
	} else {
		p = &posting{ids: slices.Clone(p.ids), chunks: p.chunks}
	}
	for _, id := range ids {
		if p.chunks > 0 && id < p.ids[len(p.ids)-1] {
			// Older than the head, which only an Add of IDs out of order
			// makes: rebuild the whole list.
			if err := t.rebuildMembers(block, p, id); err != nil {
				return err
			}
			continue
		}
		i, dup := slices.BinarySearchFunc(p.ids, id, func(have, want uint64) int { return cmp.Compare(want, have) })
		if dup {
			return store.ErrExists
		}
		p.ids = slices.Insert(p.ids, i, id)
		if len(p.ids) >= headKeep+chunkSize {
			old := p.ids[len(p.ids)-chunkSize:]
			if err := t.set("write block members", chunkKey(block, p.chunks), appendIDs(nil, old)); err != nil {
				return err
			}
			p.chunks++
			p.ids = p.ids[:len(p.ids)-chunkSize]
		}
	}
	t.setHead(block, p)
	return t.set("write block members", numKey(headPrefix, block), p.encode())
}

// rebuildMembers adds id, older than p's head, by reading every chunk and
// writing the list anew: the head keeps headKeep members, chunks of
// chunkSize hold the rest.
func (t *tx) rebuildMembers(block uint64, p *posting, id uint64) error {
	all, err := t.allMembers(block, p)
	if err != nil {
		return err
	}
	if slices.Contains(all, id) {
		return store.ErrExists
	}
	all = append(all, id)
	slices.SortFunc(all, func(a, b uint64) int { return cmp.Compare(b, a) })
	p.ids = all[:min(headKeep, len(all))]
	chunks, err := t.writeChunks(block, all[len(p.ids):], p.chunks)
	p.chunks = chunks
	p.ids = slices.Clone(p.ids)
	return err
}

// allMembers reads every member of block, whose head is p: the head's, then
// the chunks' (oldest chunk first), in a new slice.
func (t *tx) allMembers(block uint64, p *posting) ([]uint64, error) {
	all := slices.Clone(p.ids)
	for n := range p.chunks {
		ids, err := t.chunk(block, n)
		if err != nil {
			return nil, err
		}
		all = append(all, ids...)
	}
	return all, nil
}

// setHead keeps block's head for the rest of the transaction (nil: the
// block has no members any more).
func (t *tx) setHead(block uint64, p *posting) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.heads == nil {
		t.heads = map[uint64]*posting{}
	}
	t.heads[block] = p
}

// writeChunks writes rest, the members older than the head (newest first),
// as chunks of chunkSize, deletes the chunks beyond them that the list had
// (old), and returns how many there are now.
func (t *tx) writeChunks(block uint64, rest []uint64, old uint32) (uint32, error) {
	// Chunk 0 is the oldest: cut from the end, so that only the newest
	// chunk may hold fewer than chunkSize.
	var chunks [][]uint64
	for end := len(rest); end > 0; end -= chunkSize {
		chunks = append(chunks, rest[max(0, end-chunkSize):end])
	}
	for i, c := range chunks {
		if err := t.set("write block members", chunkKey(block, uint32(i)), appendIDs(nil, c)); err != nil {
			return 0, err
		}
	}
	for n := uint32(len(chunks)); n < old; n++ {
		if err := t.del("write block members", chunkKey(block, n)); err != nil {
			return 0, err
		}
	}
	return uint32(len(chunks)), nil
}

// removeMember takes id out of block's posting list and writes the list
// anew. Records are removed rarely (a patient's objection), so it reads
// the whole list.
func (t *tx) removeMember(block, id uint64) error {
	p, err := t.head(block, nil)
	if err != nil {
		return err
	}
	if p == nil {
		return corrupt("block members (a record's block has no members)")
	}
	all, err := t.allMembers(block, p)
	if err != nil {
		return err
	}
	i := slices.Index(all, id)
	if i < 0 {
		return corrupt("block members (a record is missing from its block)")
	}
	all = slices.Delete(all, i, i+1)
	// The chunks were read oldest first: newest first again.
	slices.SortFunc(all, func(a, b uint64) int { return cmp.Compare(b, a) })
	var np *posting
	if len(all) > 0 {
		np = &posting{ids: slices.Clone(all[:min(headKeep, len(all))])}
	}
	chunks, err := t.writeChunks(block, all[min(headKeep, len(all)):], p.chunks)
	if err != nil {
		return err
	}
	t.setHead(block, np)
	if np == nil {
		return t.del("write block members", numKey(headPrefix, block))
	}
	np.chunks = chunks
	return t.set("write block members", numKey(headPrefix, block), np.encode())
}
