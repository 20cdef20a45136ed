package synth

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// ---- generation ----

// Persons are generated in blocks of eight consecutive IDs; a block is
// divided into households, which never cross a block boundary. So any
// person can be generated on its own, from the seed and its ID.
const blockSize = 8

type hhType uint8

const (
	hhSingle hhType = iota
	hhCouple
	hhParentChild
	hhCoupleChild
	hhTwins
)

var (
	hhSizes  = [...]int{1, 2, 2, 3, 2}
	hhShares = []float64{0.83, 0.10, 0.03, 0.015, 0.012} // per household
	hhPick   = newPicker(hhShares)
)

// households divides block b into households.
func (p *Population) households(b int64, out *[blockSize]hhType) int {
	s := splitmix(key(p.cfg.Seed, streamBlock+1) ^ mix(uint64(b)))
	n, slot := 0, 0
	for slot < blockSize {
		t := hhType(hhPick.pick(s.float()))
		if slot+hhSizes[t] > blockSize {
			t = hhSingle
		}
		out[n] = t
		n++
		slot += hhSizes[t]
	}
	return n
}

type address struct {
	area     int // 1000..9999
	letters  int // index into postcodeLetters
	number   int
	addition string // "", "A".."D" or "1".."4"
}

func (a address) postcode() string {
	l := postcodeLetters[a.letters]
	b := [6]byte{byte('0' + a.area/1000), byte('0' + a.area/100%10), byte('0' + a.area/10%10), byte('0' + a.area%10), l[0], l[1]}
	return string(b[:])
}

func (a address) houseNo(letterForm, numberForm string) string {
	var buf [16]byte
	b := strconv.AppendInt(buf[:0], int64(a.number), 10)
	switch {
	case a.addition == "":
	case a.addition[0] >= '0' && a.addition[0] <= '9':
		b = append(append(b, numberForm...), a.addition...)
	case letterForm == "-A":
		b = append(append(b, '-'), a.addition...)
	case letterForm == " a":
		b = append(append(b, ' '), strings.ToLower(a.addition)...)
	case letterForm == "a":
		b = append(b, strings.ToLower(a.addition)...)
	default:
		b = append(b, a.addition...)
	}
	return string(b)
}

type person struct {
	id          int64
	household   int64
	role        Role
	female      bool
	origin      int
	birth       name // own family name
	partner     name // partner's family name; core "" if none
	usesPartner bool
	given       [3]string
	nGiven      int
	by, bm, bd  int
	addr, prev  address
	diag        string
	dy, dm, dd  int // diagnosis date
	inst        uint64
}

func (ps *person) family() name {
	if ps.usesPartner {
		return ps.partner
	}
	return ps.birth
}

func (ps *person) hasPartner() bool { return ps.partner.core != "" }

type gen struct {
	pop        *Population
	block      int64
	ps         [blockSize]person
	hh         [blockSize]hhType
	hhOf       [blockSize]int8 // index into hh of each slot's household
	hhStart    [blockSize]int8 // first slot of each household
	done       [blockSize]bool // household generated
	attrSrc    rand.PCG
	recSrc     rand.PCG
	detSrc     rand.PCG
	ar, rr, dr *rand.Rand
	u          [numCorruptions]float64
}

func (p *Population) newGen() *gen {
	g := &gen{pop: p, block: -1}
	g.ar, g.rr, g.dr = rand.New(&g.attrSrc), rand.New(&g.recSrc), rand.New(&g.detSrc)
	return g
}

// fill prepares block b: household structure and institution membership.
// The persons themselves are generated on demand by person, one household
// at a time, each from its own seed; so a pass over one institution only
// generates the households it sees.
func (g *gen) fill(b int64) {
	if g.block == b {
		return
	}
	g.block = b
	p := g.pop
	n := p.households(b, &g.hh)
	slot := 0
	for h, t := range g.hh[:n] {
		g.hhStart[h] = int8(slot)
		for k := 0; k < hhSizes[t]; k++ {
			id := b*blockSize + int64(slot) + 1
			g.ps[slot] = person{id: id, household: b*blockSize + int64(g.hhStart[h]) + 1, inst: p.members(id)}
			g.hhOf[slot] = int8(h)
			g.done[slot] = false
			slot++
		}
	}
}

// person returns slot i of the block, generating its household if needed.
func (g *gen) person(i int) *person {
	if !g.done[i] {
		g.generate(int(g.hhOf[i]))
	}
	return &g.ps[i]
}

func (g *gen) generate(h int) {
	p := g.pop
	t := g.hh[h]
	start := int(g.hhStart[h])
	hs := g.ps[start : start+hhSizes[t]]
	g.attrSrc.Seed(key(p.cfg.Seed, streamBlock), mix(uint64(hs[0].id)))
	for i := range hs {
		hs[i] = person{id: hs[i].id, household: hs[i].household, inst: hs[i].inst}
		g.done[start+i] = true
	}
	switch t {
	case hhSingle:
		g.single(&hs[0])
	case hhCouple:
		g.couple(&hs[0], &hs[1])
	case hhParentChild:
		g.parentChild(&hs[0], &hs[1])
	case hhCoupleChild:
		g.couple(&hs[0], &hs[1])
		g.child(&hs[2], &hs[0])
	case hhTwins:
		g.twins(&hs[0], &hs[1])
	}
	for i := range hs {
		g.diagnose(&hs[i], g.ar)
	}
}

func (g *gen) truth(ps *person) Truth {
	p := g.pop
	t := Truth{
		ID: ps.id, Household: ps.household, Role: ps.role,
		BSN:        p.BSN(ps.id),
		FamilyName: ps.family().String(), BirthName: ps.birth.String(),
		GivenNames:   strings.Join(ps.given[:ps.nGiven], " "),
		Initials:     initials(ps.given[:ps.nGiven], "J.P."),
		BirthDate:    isoDate(ps.by, ps.bm, ps.bd),
		Sex:          "M",
		Postcode:     ps.addr.postcode(),
		HouseNo:      ps.addr.houseNo("A", "-"),
		PrevPostcode: ps.prev.postcode(),
		PrevHouseNo:  ps.prev.houseNo("A", "-"),
		ICD10:        ps.diag,
	}
	if ps.female {
		t.Sex = "F"
	}
	if ps.hasPartner() {
		t.PartnerName = ps.partner.String()
	}
	for j := range p.insts {
		if ps.inst&(1<<j) != 0 {
			t.Institutions = append(t.Institutions, j)
		}
	}
	return t
}

// Ages at the reference date: the age distribution of cancer patients,
// mostly 40 to 90.
var (
	ageBands = [][2]int{{0, 17}, {18, 29}, {30, 39}, {40, 49}, {50, 59}, {60, 69}, {70, 79}, {80, 89}, {90, 99}}
	agePick  = newPicker([]float64{0.5, 1.5, 3, 7, 15, 26, 29, 15, 3})
)

func drawAge(r *rand.Rand, minAge int) int {
	for {
		band := ageBands[agePick.pick(r.Float64())]
		a := band[0] + r.IntN(band[1]-band[0]+1)
		if a >= minAge {
			return a
		}
	}
}

func (g *gen) setAge(ps *person, age int) {
	r := g.ar
	ps.by = g.pop.cfg.RefYear - 1 - age
	ps.bm = 1 + r.IntN(12)
	ps.bd = 1 + r.IntN(daysIn(ps.by, ps.bm))
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

var originPick = func() picker {
	w := make([]float64, len(origins))
	for i, o := range origins {
		w[i] = o.share
	}
	return newPicker(w)
}()

// Dutch family names: 30% from the frequency-ranked top list, Zipf-like;
// the rest from the long tail.
const dutchTopShare = 0.30

var (
	dutchFamilyPick = zipf(len(dutchFamilyNames), 15)
	foreignPick     = make([]picker, len(origins))
	givenPicks      = map[*string]picker{} // by the list's first element
)

func init() {
	for i, o := range origins {
		foreignPick[i] = zipf(len(o.family), 4)
	}
	for _, l := range []*[]string{&dutchMaleFormal, &dutchMaleModern, &dutchFemaleFormal, &dutchFemaleModern,
		&turkishMale, &turkishFemale, &moroccanMale, &moroccanFemale, &surinameMale, &surinameFemale,
		&indonesiaMale, &indonesiaFemale, &polishMale, &polishFemale, &germanMale, &germanFemale} {
		givenPicks[&(*l)[0]] = zipf(len(*l), 4)
	}
}

func (g *gen) familyName(origin int, female bool) name {
	r := g.ar
	var n name
	switch {
	case origin != originDutch:
		n = origins[origin].family[foreignPick[origin].pick(r.Float64())]
	case r.Float64() < dutchTopShare:
		n = dutchFamilyNames[dutchFamilyPick.pick(r.Float64())]
	default:
		head, tail := tailHeads[r.IntN(len(tailHeads))], tailTails[r.IntN(len(tailTails))]
		link := ""
		if v := r.IntN(10); v < 2 {
			link = "e"
		} else if v < 3 {
			link = "en"
		}
		n.core = head + link + tail
		if r.Float64() < 0.2 {
			n.prefix = tailPrefixes[r.IntN(len(tailPrefixes))]
		}
	}
	return forSex(n, female)
}

// forSex gives Polish names the form for the sex: Kowalski, Kowalska.
func forSex(n name, female bool) name {
	c := n.core
	switch {
	case female && (strings.HasSuffix(c, "ski") || strings.HasSuffix(c, "cki")):
		n.core = c[:len(c)-1] + "a"
	case !female && (strings.HasSuffix(c, "ska") || strings.HasSuffix(c, "cka")):
		n.core = c[:len(c)-1] + "i"
	}
	return n
}

// givenNames draws 1 to 3 different given names.
func (g *gen) givenNames(ps *person) {
	r := g.ar
	o := origins[ps.origin]
	u := r.Float64()
	n := 1
	switch {
	case o.maxGiven >= 3 && u < 0.25:
		n = 3
	case o.maxGiven >= 2 && u < 0.70:
		n = 2
	}
	if ps.origin != originDutch {
		n = min(n, 1+r.IntN(2)) // fewer given names in these groups
	}
	formal := 0.1
	switch {
	case ps.by < 1955:
		formal = 0.85
	case ps.by < 1970:
		formal = 0.5
	case ps.by < 1985:
		formal = 0.25
	}
	ps.nGiven = 0
	for tries := 0; ps.nGiven < n && tries < 20; tries++ {
		var l *[]string
		switch {
		case ps.origin == originDutch || r.Float64() < 0.1:
			switch {
			case ps.female && r.Float64() < formal:
				l = &dutchFemaleFormal
			case ps.female:
				l = &dutchFemaleModern
			case r.Float64() < formal:
				l = &dutchMaleFormal
			default:
				l = &dutchMaleModern
			}
		case ps.female:
			l = &origins[ps.origin].female
		default:
			l = &origins[ps.origin].male
		}
		s := (*l)[givenPicks[&(*l)[0]].pick(r.Float64())]
		dup := false
		for _, h := range ps.given[:ps.nGiven] {
			dup = dup || h == s
		}
		if !dup {
			ps.given[ps.nGiven] = s
			ps.nGiven++
		}
	}
}

// married gives a woman a partner name (not for her household partner,
// who is in the population: see couple).
func (g *gen) maybeMarried(ps *person) {
	r := g.ar
	age := g.pop.cfg.RefYear - 1 - ps.by
	if !ps.female || age < 25 || r.Float64() >= 0.6 {
		return
	}
	o := ps.origin
	if r.Float64() < 0.1 {
		o = originDutch
	}
	ps.partner = g.familyName(o, true)
	ps.usesPartner = r.Float64() < g.usesPartnerShare(ps)
}

func (g *gen) usesPartnerShare(ps *person) float64 {
	switch {
	case ps.origin != originDutch:
		return 0.15
	case ps.by < 1970:
		return 0.5
	}
	return 0.3
}

func (g *gen) base(ps *person, female bool, origin int, age int) {
	ps.female, ps.origin = female, origin
	g.setAge(ps, age)
	ps.birth = g.familyName(origin, female)
	g.givenNames(ps)
	ps.addr = g.newAddress()
	ps.prev = g.prevAddress(ps.addr)
}

func (g *gen) single(ps *person) {
	r := g.ar
	ps.role = RoleSingle
	g.base(ps, r.Float64() >= 0.52, originPick.pick(r.Float64()), drawAge(r, 0))
	g.maybeMarried(ps)
}

// couple: a man and a woman at one address; she has his name as partner
// name and uses it as her family name about half the time.
func (g *gen) couple(m, w *person) {
	r := g.ar
	m.role, w.role = RolePartner, RolePartner
	o := originPick.pick(r.Float64())
	age := drawAge(r, 25)
	g.base(m, false, o, age)
	wo := o
	if r.Float64() < 0.1 {
		wo = originPick.pick(r.Float64())
	}
	wage := age - int(math.Round(2+3*r.NormFloat64()))
	g.base(w, true, wo, max(20, min(wage, 105)))
	w.partner = forSex(m.birth, true)
	w.usesPartner = r.Float64() < g.usesPartnerShare(w)
	w.addr, w.prev = m.addr, m.prev
}

// parentChild: an elderly parent and an adult child with the same family
// name at one address; sometimes with the same first given name.
func (g *gen) parentChild(par, ch *person) {
	r := g.ar
	par.role = RoleParent
	g.base(par, r.Float64() >= 0.5, originPick.pick(r.Float64()), drawAge(r, 60))
	if par.female {
		g.maybeMarried(par)
	}
	g.child(ch, par)
}

func (g *gen) child(ch, par *person) {
	r := g.ar
	ch.role = RoleChild // the parents of a couple with a child keep RolePartner
	pa := g.pop.cfg.RefYear - 1 - par.by
	g.base(ch, r.Float64() >= 0.5, par.origin, max(18, pa-20-r.IntN(21)))
	ch.birth = forSex(par.family(), ch.female)
	if ch.female == par.female && r.Float64() < 0.15 {
		ch.given[0] = par.given[0] // named after the parent
		for i := 1; i < ch.nGiven; i++ {
			if ch.given[i] == ch.given[0] {
				ch.nGiven = i
				break
			}
		}
	}
	ch.addr, ch.prev = par.addr, par.prev
}

// twins: same birth date and family name, different given names; living
// together in three cases of ten.
func (g *gen) twins(a, b *person) {
	r := g.ar
	a.role, b.role = RoleTwin, RoleTwin
	o := originPick.pick(r.Float64())
	age := drawAge(r, 0)
	g.base(a, r.Float64() >= 0.5, o, age)
	bFemale := r.Float64() >= 0.5
	g.base(b, bFemale, o, age)
	b.by, b.bm, b.bd = a.by, a.bm, a.bd
	b.birth = forSex(a.birth, b.female)
	for tries := 0; tries < 10 && b.given[0] == a.given[0]; tries++ {
		g.givenNames(b)
	}
	if r.Float64() < 0.3 {
		b.addr, b.prev = a.addr, a.prev
	}
	g.maybeMarried(a)
	g.maybeMarried(b)
}

func (g *gen) diagnose(ps *person, r *rand.Rand) {
	l := diagMale
	if ps.female {
		l = diagFemale
	}
	pk := diagMalePick
	if ps.female {
		pk = diagFemalePick
	}
	ps.diag = diagCodes[l[pk.pick(r.Float64())].code][r.IntN(10)]
	ref := g.pop.cfg.RefYear
	lo := max(ref-10, ps.by)
	ps.dy = lo + r.IntN(ref-lo)
	ps.dm = 1 + r.IntN(12)
	ps.dd = 1 + r.IntN(daysIn(ps.dy, ps.dm))
	if ps.dy == ps.by && (ps.dm < ps.bm || ps.dm == ps.bm && ps.dd < ps.bd) {
		ps.dm, ps.dd = ps.bm, ps.bd
	}
}

var (
	diagCodes = func() map[string][10]string { // "C50" → "C50.0".."C50.9"
		m := map[string][10]string{}
		for _, l := range [][]diag{diagMale, diagFemale} {
			for _, d := range l {
				var c [10]string
				for i := range c {
					c[i] = d.code + "." + strconv.Itoa(i)
				}
				m[d.code] = c
			}
		}
		return m
	}()
	diagMalePick   = diagPicker(diagMale)
	diagFemalePick = diagPicker(diagFemale)
)

func diagPicker(l []diag) picker {
	w := make([]float64, len(l))
	for i, d := range l {
		w[i] = d.share
	}
	return newPicker(w)
}

// ---- postcodes ----

// postcodeLetters: the letter pairs of Dutch postcodes, in order, without
// F, I, O, Q, U, Y (not used) and without SA, SD, SS (never issued).
var postcodeLetters = func() []string {
	const letters = "ABCDEGHJKLMNPRSTVWXZ"
	var out []string
	for _, a := range letters {
		for _, b := range letters {
			s := string(a) + string(b)
			if s != "SA" && s != "SD" && s != "SS" {
				out = append(out, s)
			}
		}
	}
	return out
}()

// postcodeAreas: the 4-digit areas 1000-9999 with a fixed, seed-independent
// density: one in five numbers unused, the rest log-normally weighted and
// the big cities denser. An area uses only its first n letter pairs, n
// growing with its density, so people cluster in postcodes as they do.
var areaPick, areaLetters = func() (picker, []int) {
	w := make([]float64, 9000)
	n := make([]int, 9000)
	cities := [][2]int{{1000, 1109}, {2490, 2599}, {3000, 3089}, {3500, 3585}, {5600, 5658}, {9700, 9747}, {6800, 6846}, {7500, 7548}}
	for i := range w {
		area := 1000 + i
		s := splitmix(0x706f7374636f6465 + uint64(area))
		if s.float() < 0.2 {
			continue
		}
		// log-normal via Box-Muller on two uniforms
		u1, u2 := s.float(), s.float()
		z := math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
		w[i] = math.Exp(0.8 * z)
		for _, c := range cities {
			if area >= c[0] && area <= c[1] {
				w[i] *= 3
			}
		}
		n[i] = min(len(postcodeLetters), 8+int(40*w[i]))
	}
	return newPicker(w), n
}()

func (g *gen) newAddress() address {
	r := g.ar
	i := areaPick.pick(r.Float64())
	return g.addressIn(1000+i, areaLetters[i])
}

var log300 = math.Log(300)

func (g *gen) addressIn(area, letters int) address {
	r := g.ar
	a := address{area: area, letters: r.IntN(letters)}
	a.number = int(math.Exp(r.Float64() * log300))
	if a.number < 1 {
		a.number = 1
	}
	switch u := r.Float64(); {
	case u < 0.05:
		a.addition = string(rune('A' + r.IntN(4)))
	case u < 0.08:
		a.addition = string(rune('1' + r.IntN(4)))
	}
	return a
}

// prevAddress is the address before the last move: half in the same area.
func (g *gen) prevAddress(cur address) address {
	r := g.ar
	for {
		var a address
		if r.Float64() < 0.5 {
			a = g.addressIn(cur.area, areaLetters[cur.area-1000])
		} else {
			a = g.newAddress()
		}
		if a.letters != cur.letters || a.area != cur.area || a.number != cur.number {
			return a
		}
	}
}

// ---- weighted choice ----

// picker draws an index with given weights in constant time (Vose's alias
// method).
type picker struct {
	prob  []float64
	alias []int32
}

func newPicker(w []float64) picker {
	n := len(w)
	total := 0.0
	for _, x := range w {
		total += x
	}
	p := picker{make([]float64, n), make([]int32, n)}
	scaled := make([]float64, n)
	var small, large []int
	for i, x := range w {
		scaled[i] = x / total * float64(n)
		if scaled[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		p.prob[s], p.alias[s] = scaled[s], int32(l)
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range append(small, large...) {
		p.prob[i], p.alias[i] = 1, int32(i)
	}
	return p
}

// zipf weights rank r by 1/(r+c).
func zipf(n int, c float64) picker {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / (float64(i) + c)
	}
	return newPicker(w)
}

// pick maps u in [0,1) to an index.
func (p picker) pick(u float64) int {
	x := u * float64(len(p.prob))
	i := int(x)
	if i >= len(p.prob) {
		i = len(p.prob) - 1
	}
	if x-float64(i) < p.prob[i] {
		return i
	}
	return int(p.alias[i])
}
