package pairwise

// Clerk is what a perfect clerk makes of the review items of a
// registration: an item is a true pair when the record's true person has a
// record in the candidate person; the clerk merges those two persons and
// keeps the others apart. Records are added in registration order.
type Clerk struct {
	truthsOf   map[string]map[string]bool // person → the true persons of its records
	merged     map[string]string          // person → the person the clerk merged it into
	assigned   [][2]string                // per record: truth, person
	reviewTrue int
}

// Add counts one record: its true person, the person it was given, and the
// candidate person of its review item ("" when it is none).
func (c *Clerk) Add(truth, person, candidate string) {
	if c.truthsOf == nil {
		c.truthsOf, c.merged = map[string]map[string]bool{}, map[string]string{}
	}
	if candidate != "" && c.truthsOf[candidate][truth] {
		c.reviewTrue++
		c.merged[c.find(person)] = c.find(candidate)
	}
	if c.truthsOf[person] == nil {
		c.truthsOf[person] = map[string]bool{}
	}
	c.truthsOf[person][truth] = true
	c.assigned = append(c.assigned, [2]string{truth, person})
}

// ReviewTrue is the number of review items that were true pairs.
func (c *Clerk) ReviewTrue() int { return c.reviewTrue }

// find is the person p's records belong to after the clerk's merges.
func (c *Clerk) find(p string) string {
	for {
		q, ok := c.merged[p]
		if !ok || q == p {
			return p
		}
		p = q
	}
}

// Tally is the pairwise tally once the clerk has resolved every review
// item.
func (c *Clerk) Tally() *Tally {
	var t Tally
	for _, a := range c.assigned {
		t.Add(a[0], c.find(a[1]))
	}
	return &t
}
