package synth

import "math/bits"

// Streams separate the random numbers used for different purposes, so
// that, for example, changing a corruption rate does not change who lives
// where.
const (
	streamBlock   = 0x626c6f636b // households and persons
	streamMember  = 0x6d656d62   // institution membership
	streamRecord  = 0x7265636f7264
	streamDetail  = 0x64657461696c
	streamBSN     = 0x62736e
	streamPatient = 0x70617469656e74
	streamAGB     = 0x616762
)

// mix is the splitmix64 finaliser: a bijective, well-mixing hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// key derives a 64-bit key from the seed and a stream.
func key(seed, stream uint64) uint64 { return mix(mix(seed) ^ stream) }

// splitmix is a tiny generator for cheap derived decisions.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	x := uint64(*s)
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// float returns a number in [0, 1).
func (s *splitmix) float() float64 { return float64(s.next()>>11) / (1 << 53) }

// intn returns a number in [0, n).
func (s *splitmix) intn(n int) int {
	hi, _ := bits.Mul64(s.next(), uint64(n))
	return int(hi)
}

// permute is a keyed bijection of [0, n): a balanced Feistel network on the
// smallest even number of bits that covers n, with cycle walking. It gives
// every person a unique but random-looking BSN and patient number without
// any table.
func permute(k, n, x uint64) uint64 {
	if n <= 1 {
		return 0
	}
	w := bits.Len64(n - 1)
	if w%2 == 1 {
		w++
	}
	if w < 2 {
		w = 2
	}
	h := uint(w / 2)
	mask := uint64(1)<<h - 1
	for {
		l, r := x>>h, x&mask
		for round := uint64(0); round < 4; round++ {
			l, r = r, l^(mix(k^round<<56^r)&mask)
		}
		x = l<<h | r
		if x < n {
			return x
		}
	}
}
