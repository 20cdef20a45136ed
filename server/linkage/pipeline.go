package linkage

// A Pipeline keeps at most one registered batch waiting to be durable
// while the next is matched (Index.RegisterAsync): Push the wait of each
// batch as it is registered, in order, and Flush at the end. Both return
// the first error of a batch they waited for.
type Pipeline struct {
	pending func() error
}

// Push keeps wait, and waits for the batch before it.
func (p *Pipeline) Push(wait func() error) error {
	prev := p.pending
	p.pending = wait
	if prev == nil {
		return nil
	}
	return prev()
}

// Flush waits for the last batch pushed.
func (p *Pipeline) Flush() error {
	return p.Push(nil)
}
