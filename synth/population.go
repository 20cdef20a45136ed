package synth

import (
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"
)

// Config describes a synthetic population. Zero fields take the defaults
// noted; the zero Profile is the clean profile (no corruption at all), so
// set Profile: DefaultProfile() for realistic data.
type Config struct {
	Seed uint64

	// Persons is the number of persons: ground-truth IDs FirstID+1 up to
	// FirstID+Persons. Default 1000.
	Persons int
	// FirstID shifts the range of IDs. A person is a function of Seed and
	// ID only, so populations with the same Seed and overlapping ranges
	// share those persons (useful to pre-fill an index with one range and
	// register another).
	FirstID int64

	// Institutions is the number of institutions, 1 to 64. Default 3.
	Institutions int
	// Overlap is the share of persons seen at two or more institutions.
	// Default 0.4; a negative value means none. Of those, each one is at
	// a further institution with probability 1/4 (with 3 institutions:
	// 30% of persons at 2, 10% at 3).
	Overlap float64

	// Profile is the corruption profile applied per institution record.
	Profile Profile

	// Order is the order of Records. Default ByInstitution.
	Order Order

	// RefYear: birth dates fall before 1 January RefYear, diagnoses in the
	// ten years before it. Default 2025. A fixed year, not the clock, keeps
	// output reproducible.
	RefYear int
}

// Order is the order in which Records yields records.
type Order uint8

const (
	// ByInstitution yields every record of institution 0, then of 1, and
	// so on, each in ascending person ID: as deliveries arrive. It
	// regenerates the persons once per institution; memory stays bounded.
	ByInstitution Order = iota
	// ByPerson yields persons in ascending ID, each person's records in
	// ascending institution order.
	ByPerson
)

func (o Order) String() string {
	if o == ByPerson {
		return "person"
	}
	return "institution"
}

// DefaultOverlap is the default Config.Overlap.
const DefaultOverlap = 0.4

// MaxInstitutions is the largest Config.Institutions.
const MaxInstitutions = 64

func (c Config) normalised() Config {
	if c.Persons == 0 {
		c.Persons = 1000
	}
	if c.Institutions == 0 {
		c.Institutions = 3
	}
	if c.Overlap == 0 {
		c.Overlap = DefaultOverlap
	}
	if c.Overlap < 0 || c.Institutions == 1 {
		c.Overlap = 0
	}
	if c.RefYear == 0 {
		c.RefYear = 2025
	}
	return c
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	c = c.normalised()
	switch {
	case c.Persons < 0:
		return fmt.Errorf("synth: persons %d < 0", c.Persons)
	case c.FirstID < 0 || c.FirstID > 1<<50:
		return fmt.Errorf("synth: first id %d out of range", c.FirstID)
	case c.Institutions < 1 || c.Institutions > MaxInstitutions:
		return fmt.Errorf("synth: institutions %d not in 1..%d", c.Institutions, MaxInstitutions)
	case c.Overlap > 1:
		return fmt.Errorf("synth: overlap %g > 1", c.Overlap)
	case c.RefYear < 1990 || c.RefYear > 9000:
		return fmt.Errorf("synth: reference year %d out of range", c.RefYear)
	case c.Order > ByPerson:
		return fmt.Errorf("synth: unknown order %d", c.Order)
	}
	return c.Profile.Validate()
}

// Institution is one institution of a population.
type Institution struct {
	Index int
	AGB   string // 8 digits, "06" (hospital) and 6 more; unique
	Name  string
	// PatientNumber shows the format of the local patient numbers.
	PatientNumber string
	// Layout the institution declares for its data; all "clean" layouts
	// (ISO dates, M/F, 1234AB) unless Profile.VaryFormats.
	DateFormat   DateFormat
	SexCodes     string // "M/F", "M/V" or "1/2" (male/female)
	PostcodeForm string // "1234AB" or "1234 AB"
	weight       float64
	pn           pnFormat
	hnLetter     string // how a letter addition is written: "A" "-A" " a" "a"
	hnNumber     string // how a numeric addition is written: "-" or "/"
	sexM, sexF   string
}

// DateFormat is a declared birth-date layout, as accepted by
// identity.ParseBirthDate.
type DateFormat string

const (
	DateISO     DateFormat = "yyyy-mm-dd"
	DateDMY     DateFormat = "dd-mm-yyyy"
	DateCompact DateFormat = "yyyymmdd"
	DateSlash   DateFormat = "d/m/yyyy"
)

// Format writes year, month and day in the layout.
func (f DateFormat) Format(y, m, d int) string {
	var buf [10]byte
	two := func(b []byte, v int) []byte { return append(b, byte('0'+v/10%10), byte('0'+v%10)) }
	four := func(b []byte, v int) []byte {
		return append(b, byte('0'+v/1000%10), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
	}
	switch f {
	case DateDMY:
		return string(four(append(two(append(two(buf[:0], d), '-'), m), '-'), y))
	case DateCompact:
		return string(two(two(four(buf[:0], y), m), d))
	case DateSlash:
		b := strconv.AppendInt(buf[:0], int64(d), 10)
		b = strconv.AppendInt(append(b, '/'), int64(m), 10)
		return string(four(append(b, '/'), y))
	}
	return isoDate(y, m, d)
}

func isoDate(y, m, d int) string {
	b := [10]byte{byte('0' + y/1000%10), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}

// pnFormat is an institution's patient-number layout.
type pnFormat struct {
	prefix string
	digits int  // minimum width; widened for very large populations
	noZero bool // first digit never 0 (a plain integer)
	check  bool // "-d" check digit appended
}

var pnFormats = []pnFormat{
	{prefix: "A", digits: 7},
	{digits: 7, noZero: true},
	{prefix: "UMC-", digits: 7},
	{digits: 8},
	{prefix: "P", digits: 7, check: true},
	{prefix: "NKI", digits: 7},
}

var dateFormats = []DateFormat{DateISO, DateDMY, DateCompact, DateSlash}

// Role is a person's place in a household.
type Role uint8

const (
	RoleSingle  Role = iota // lives alone (as far as the population goes)
	RolePartner             // one of a couple at one address, mostly sharing the family name
	RoleParent              // lives with an adult child of the same family name
	RoleChild               // adult child living with a parent
	RoleTwin                // one of twins: same birth date and family name
)

var roleNames = [...]string{"single", "partner", "parent", "child", "twin"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", r)
}

// Truth is a person as they really are: the ground truth behind the records.
type Truth struct {
	ID        int64
	Household int64 // ID of the household's first member (twins: of the first twin)
	Role      Role
	BSN       string // valid, unique; "" for the few persons without one (0.5%)
	// FamilyName is the name the person uses: their own (birth) name or,
	// for some married women, their partner's.
	FamilyName  string
	BirthName   string
	PartnerName string // partner's family name, for married women; else ""
	GivenNames  string // 1 to 3, space separated
	Initials    string // "J.P."
	BirthDate   string // yyyy-mm-dd
	Sex         string // "M" or "F"
	Postcode    string // 1234AB
	HouseNo     string // "12", "12A", "7-2"
	// The address before the last move, used by the Moved corruption.
	PrevPostcode string
	PrevHouseNo  string
	Institutions []int // ascending
	ICD10        string
}

// Stats counts a population without generating its records.
type Stats struct {
	Persons        int64
	Records        int64
	Multi          int64   // persons at 2 or more institutions
	TruePairs      int64   // pairs of records of the same person: sum over persons of C(k,2)
	PerInstitution []int64 // records per institution
	ByCount        []int64 // ByCount[k]: persons at k institutions
	Households     int64   // households with 2 or more members in range (twins not counted)
	TwinPairs      int64   // twin pairs with both in range
}

// Population is a deterministic synthetic population. It is immutable and
// safe for concurrent use; every Records or Persons call starts afresh.
type Population struct {
	cfg    Config
	insts  []Institution
	wsum   float64
	bsnKey uint64
	rates  [numCorruptions]float64
}

// NewPopulation returns the population for cfg. It panics if
// cfg.Validate fails.
func NewPopulation(cfg Config) *Population {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg = cfg.normalised()
	p := &Population{cfg: cfg, bsnKey: key(cfg.Seed, streamBSN)}
	for i, c := range AllCorruptions() {
		p.rates[i] = cfg.Profile.Rate(c)
	}
	agbKey := key(cfg.Seed, streamAGB)
	maxID := uint64(cfg.FirstID) + uint64(cfg.Persons)
	for j := 0; j < cfg.Institutions; j++ {
		in := Institution{
			Index:        j,
			AGB:          fmt.Sprintf("06%06d", permute(agbKey, 1_000_000, uint64(j))),
			Name:         fmt.Sprintf("Ziekenhuis %c", 'A'+j%26),
			DateFormat:   DateISO,
			SexCodes:     "M/F",
			PostcodeForm: "1234AB",
			weight:       1 / (1 + 0.3*float64(j)),
			pn:           pnFormats[j%len(pnFormats)],
			hnLetter:     "A",
			hnNumber:     "-",
		}
		if j >= 26 {
			in.Name += fmt.Sprint(j / 26)
		}
		for uint64(math.Pow10(in.pn.digits)) < 3*maxID {
			in.pn.digits++
		}
		if cfg.Profile.VaryFormats {
			in.DateFormat = dateFormats[j%len(dateFormats)]
			in.SexCodes = []string{"M/F", "M/V", "1/2"}[j%3]
			in.PostcodeForm = []string{"1234AB", "1234 AB"}[j/2%2]
			in.hnLetter = []string{"A", "-A", " a", "a"}[j%4]
			in.hnNumber = []string{"-", "/"}[j/3%2]
		}
		in.PatientNumber = in.pn.format(p.patientKey(j), 42)
		in.sexM, in.sexF, _ = strings.Cut(in.SexCodes, "/")
		p.wsum += in.weight
		p.insts = append(p.insts, in)
	}
	return p
}

// Config returns the configuration with defaults filled in.
func (p *Population) Config() Config { return p.cfg }

// Institutions returns the institutions.
func (p *Population) Institutions() []Institution { return append([]Institution(nil), p.insts...) }

func (p *Population) patientKey(j int) uint64 { return key(p.cfg.Seed, streamPatient+uint64(j)<<40) }

func (f pnFormat) format(k uint64, id int64) string {
	span := uint64(math.Pow10(f.digits))
	var n uint64
	if f.noZero {
		n = span/10 + permute(k, span-span/10, uint64(id))
	} else {
		n = permute(k, span, uint64(id))
	}
	var buf [32]byte
	b := append(buf[:0], f.prefix...)
	for i := f.digits - 1; i >= 0; i-- {
		b = append(b, byte('0'+n/uint64(math.Pow10(i))%10))
	}
	if f.check {
		sum := 0
		for i, c := range b[len(f.prefix):] {
			sum += (i%2*2 + 1) * int(c-'0')
		}
		b = append(b, '-', byte('0'+sum%10))
	}
	return string(b)
}

// PatientNumber returns person id's local patient number at institution j
// (whether or not the person is seen there).
func (p *Population) PatientNumber(j int, id int64) string {
	return p.insts[j].pn.format(p.patientKey(j), id)
}

// BSN returns person id's BSN ("" for the few without one).
func (p *Population) BSN(id int64) string {
	if !hasBSN(p.cfg.Seed, id) {
		return ""
	}
	return formatBSN(p.bsnNumber(id))
}

func hasBSN(seed uint64, id int64) bool { return mix(key(seed, streamBSN)^uint64(id))%1000 >= 5 }

// bsnNumber is a unique valid BSN for each id up to 81 million: the first 7
// digits are a keyed permutation of the ID modulo 9 million, the last two
// are chosen to pass the 11-proef. Of the ten choices for the 8th digit at
// most one cannot be completed, so each 7-digit prefix has at least nine
// valid numbers: the ID's first 9 million take the first of them (from a
// keyed start), the next 9 million the second, and so on. (Until
// 2026-11-30 the IDs beyond 9 million took the first as well, so that at
// national sizes persons shared BSNs as no two persons do.)
func (p *Population) bsnNumber(id int64) uint32 {
	const span = 9_000_000
	x, round := uint64(id)%span, int(uint64(id)/span)
	first := 1_000_000 + permute(p.bsnKey, span, x)
	sum := 0
	v := first
	for w := 3; w <= 9; w++ {
		sum += w * int(v%10)
		v /= 10
	}
	start := int(mix(p.bsnKey^x) % 10)
	var valid [10]uint32
	n := 0
	for i := 0; i < 10; i++ {
		d8 := (start + i) % 10
		if d9 := (sum + 2*d8) % 11; d9 < 10 {
			valid[n] = uint32(first*100 + uint64(d8*10+d9))
			n++
		}
	}
	return valid[round%n]
}

func formatBSN(n uint32) string {
	var b [9]byte
	for i := 8; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:])
}

// members returns the set of institutions person id is seen at, a bit per
// institution; never empty.
func (p *Population) members(id int64) uint64 {
	s := splitmix(key(p.cfg.Seed, streamMember) ^ mix(uint64(id)))
	m := len(p.insts)
	k := 1
	if s.float() < p.cfg.Overlap {
		k = 2
		for k < m && s.float() < 0.25 {
			k++
		}
	}
	if k > m {
		k = m
	}
	var set uint64
	total := p.wsum
	for ; k > 0; k-- {
		u := s.float() * total
		j := 0
		for ; j < m-1; j++ {
			if set&(1<<j) != 0 {
				continue
			}
			if u < p.insts[j].weight {
				break
			}
			u -= p.insts[j].weight
		}
		for set&(1<<j) != 0 { // rounding at the end: take the last free one
			j--
		}
		set |= 1 << j
		total -= p.insts[j].weight
	}
	return set
}

func (p *Population) ids() (first, last int64) {
	return p.cfg.FirstID + 1, p.cfg.FirstID + int64(p.cfg.Persons)
}

// Stats counts persons, records and true pairs. It is cheap: it derives
// only institution membership and household structure.
func (p *Population) Stats() Stats {
	st := Stats{PerInstitution: make([]int64, len(p.insts)), ByCount: make([]int64, len(p.insts)+1)}
	first, last := p.ids()
	for id := first; id <= last; id++ {
		set := p.members(id)
		k := int64(0)
		for j := range p.insts {
			if set&(1<<j) != 0 {
				k++
				st.PerInstitution[j]++
			}
		}
		st.Persons++
		st.Records += k
		st.ByCount[k]++
		st.TruePairs += k * (k - 1) / 2
		if k >= 2 {
			st.Multi++
		}
	}
	if last < first {
		return st
	}
	var hh [blockSize]hhType
	for b := (first - 1) / blockSize; b <= (last-1)/blockSize; b++ {
		n := p.households(b, &hh)
		id := b*blockSize + 1
		for _, t := range hh[:n] {
			size := int64(hhSizes[t])
			lo, hi := max(id, first), min(id+size-1, last)
			if hi > lo {
				if t == hhTwins {
					st.TwinPairs++
				} else {
					st.Households++
				}
			}
			id += size
		}
	}
	return st
}

// Records yields every record, in the configured Order. Memory use does
// not depend on the number of persons.
func (p *Population) Records() iter.Seq[Record] {
	return func(yield func(Record) bool) {
		g := p.newGen()
		first, last := p.ids()
		if last < first {
			return
		}
		b0, b1 := (first-1)/blockSize, (last-1)/blockSize
		switch p.cfg.Order {
		case ByPerson:
			for b := b0; b <= b1; b++ {
				g.fill(b)
				for i := range g.ps {
					if id := g.ps[i].id; id < first || id > last {
						continue
					}
					ps := g.person(i)
					for j := range p.insts {
						if ps.inst&(1<<j) != 0 && !yield(g.record(ps, j)) {
							return
						}
					}
				}
			}
		default:
			for j := range p.insts {
				for b := b0; b <= b1; b++ {
					g.fill(b)
					for i := range g.ps {
						if ps := &g.ps[i]; ps.id >= first && ps.id <= last && ps.inst&(1<<j) != 0 && !yield(g.record(g.person(i), j)) {
							return
						}
					}
				}
			}
		}
	}
}

// Persons yields the ground truth of every person in ascending ID.
func (p *Population) Persons() iter.Seq[Truth] {
	return func(yield func(Truth) bool) {
		g := p.newGen()
		first, last := p.ids()
		if last < first {
			return
		}
		for b := (first - 1) / blockSize; b <= (last-1)/blockSize; b++ {
			g.fill(b)
			for i := range g.ps {
				if id := g.ps[i].id; id >= first && id <= last && !yield(g.truth(g.person(i))) {
					return
				}
			}
		}
	}
}

// Truth returns the ground truth of person id, which need not be in the
// configured range.
func (p *Population) Truth(id int64) Truth {
	if id < 1 {
		panic("synth: person id < 1")
	}
	g := p.newGen()
	g.fill((id - 1) / blockSize)
	return g.truth(g.person(int((id - 1) % blockSize)))
}
