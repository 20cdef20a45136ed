package linkage

// pageBits sets the page size of paged slices: 65,536 elements.
const pageBits = 16

// paged is an append-only slice kept in fixed-size pages. Unlike a plain
// slice it never copies what it holds to grow: the person index holds
// millions of records, and doubling a slice of them would stall registration
// and briefly need twice the memory.
type paged[T any] struct {
	pages [][]T
	n     int
}

func (p *paged[T]) len() int { return p.n }

func (p *paged[T]) at(i uint32) *T { return &p.pages[i>>pageBits][i&(1<<pageBits-1)] }

func (p *paged[T]) append(v T) {
	if p.n>>pageBits == len(p.pages) {
		p.pages = append(p.pages, make([]T, 0, 1<<pageBits))
	}
	last := &p.pages[len(p.pages)-1]
	*last = append(*last, v)
	p.n++
}
