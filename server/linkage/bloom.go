package linkage

import "math/bits"

// BloomBits is the size of a name's Bloom filter. 256 bits hold the bigrams
// of names up to ~20 letters with k=8 at a low false-positive rate.
const (
	BloomBits   = 256
	bloomWords  = BloomBits / 64
	bloomHashes = 8
)

// Bloom is a keyed Bloom filter of a name's letter bigrams.
type Bloom [bloomWords]uint64

// Dice is the Dice coefficient of two filters: 2|A∩B| / (|A|+|B|).
func Dice(a, b *Bloom) float64 {
	var inter, na, nb int
	for i := range a {
		inter += bits.OnesCount64(a[i] & b[i])
		na += bits.OnesCount64(a[i])
		nb += bits.OnesCount64(b[i])
	}
	if na+nb == 0 {
		return 0
	}
	return 2 * float64(inter) / float64(na+nb)
}

// Empty reports whether no bigram was added.
func (b *Bloom) Empty() bool { return *b == Bloom{} }

// add sets the k positions of one bigram, from a 64-bit keyed hash split in
// two halves (double hashing, as in Kirsch and Mitzenmacher).
func (b *Bloom) add(h uint64) {
	h1, h2 := uint32(h), uint32(h>>32)|1
	for i := uint32(0); i < bloomHashes; i++ {
		pos := (h1 + i*h2) % BloomBits
		b[pos/64] |= 1 << (pos % 64)
	}
}
