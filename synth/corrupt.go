package synth

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Profile holds the per-record probabilities of each corruption; see the
// package documentation for what each does and when it applies. A rate
// is conditional on the corruption being applicable to the record (for
// example PrefixVariant only to names with a prefix). The zero Profile is
// clean.
type Profile struct {
	Name string // "default", "clean", "heavy" or your own

	// NoBSN removes every BSN from every record.
	NoBSN bool
	// VaryFormats lets each institution declare its own layout for birth
	// dates, sex codes, postcodes and house-number additions; without it
	// every institution writes the canonical layout.
	VaryFormats bool

	BSNMissing float64
	BSNOther   float64
	BSNTypo    float64

	PartnerName    float64
	DoubleName     float64
	FamilyNameTypo float64
	PrefixDropped  float64
	PrefixVariant  float64

	GivenNamesMissing float64
	Initials          float64
	FirstNameOnly     float64
	GivenNameTypo     float64

	DiacriticsLost  float64
	CaseChange      float64
	ExtraWhitespace float64

	BirthDateMissing float64
	DayMonthSwap     float64
	BirthDateTypo    float64

	SexMissing float64
	SexWrong   float64

	PostcodeMissing float64
	Moved           float64
	AddressTypo     float64
}

// Corruption is a set of corruptions, a bit each. Record.Corruptions has
// those applied to the record (ground truth for error analysis).
type Corruption uint32

// The corruptions, in the order they are decided for a record.
const (
	CorruptBSNMissing Corruption = 1 << iota
	CorruptBSNOther
	CorruptBSNTypo
	CorruptPartnerName
	CorruptDoubleName
	CorruptFamilyNameTypo
	CorruptPrefixDropped
	CorruptPrefixVariant
	CorruptGivenNamesMissing
	CorruptInitials
	CorruptFirstNameOnly
	CorruptGivenNameTypo
	CorruptDiacriticsLost
	CorruptCaseChange
	CorruptExtraWhitespace
	CorruptBirthDateMissing
	CorruptDayMonthSwap
	CorruptBirthDateTypo
	CorruptSexMissing
	CorruptSexWrong
	CorruptPostcodeMissing
	CorruptMoved
	CorruptAddressTypo

	numCorruptions = iota
)

var corruptionNames = [numCorruptions]string{
	"bsn_missing", "bsn_other", "bsn_typo",
	"partner_name", "double_name", "family_name_typo", "prefix_dropped", "prefix_variant",
	"given_names_missing", "initials", "first_name_only", "given_name_typo",
	"diacritics_lost", "case_change", "extra_whitespace",
	"birth_date_missing", "day_month_swap", "birth_date_typo",
	"sex_missing", "sex_wrong",
	"postcode_missing", "moved", "address_typo",
}

// AllCorruptions lists every corruption, in decision order.
func AllCorruptions() []Corruption {
	out := make([]Corruption, numCorruptions)
	for i := range out {
		out[i] = 1 << i
	}
	return out
}

// String names the corruptions in the set, joined by "|": "moved|initials".
func (c Corruption) String() string {
	var b strings.Builder
	for i := 0; i < numCorruptions; i++ {
		if c&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(corruptionNames[i])
		}
	}
	return b.String()
}

func (p *Profile) field(c Corruption) *float64 {
	switch c {
	case CorruptBSNMissing:
		return &p.BSNMissing
	case CorruptBSNOther:
		return &p.BSNOther
	case CorruptBSNTypo:
		return &p.BSNTypo
	case CorruptPartnerName:
		return &p.PartnerName
	case CorruptDoubleName:
		return &p.DoubleName
	case CorruptFamilyNameTypo:
		return &p.FamilyNameTypo
	case CorruptPrefixDropped:
		return &p.PrefixDropped
	case CorruptPrefixVariant:
		return &p.PrefixVariant
	case CorruptGivenNamesMissing:
		return &p.GivenNamesMissing
	case CorruptInitials:
		return &p.Initials
	case CorruptFirstNameOnly:
		return &p.FirstNameOnly
	case CorruptGivenNameTypo:
		return &p.GivenNameTypo
	case CorruptDiacriticsLost:
		return &p.DiacriticsLost
	case CorruptCaseChange:
		return &p.CaseChange
	case CorruptExtraWhitespace:
		return &p.ExtraWhitespace
	case CorruptBirthDateMissing:
		return &p.BirthDateMissing
	case CorruptDayMonthSwap:
		return &p.DayMonthSwap
	case CorruptBirthDateTypo:
		return &p.BirthDateTypo
	case CorruptSexMissing:
		return &p.SexMissing
	case CorruptSexWrong:
		return &p.SexWrong
	case CorruptPostcodeMissing:
		return &p.PostcodeMissing
	case CorruptMoved:
		return &p.Moved
	case CorruptAddressTypo:
		return &p.AddressTypo
	}
	panic(fmt.Sprintf("synth: not a single corruption: %#x", uint32(c)))
}

// Rate returns the profile's probability for corruption c.
func (p Profile) Rate(c Corruption) float64 { return *p.field(c) }

// WithRate returns the profile with corruption c at rate.
func (p Profile) WithRate(c Corruption, rate float64) Profile {
	*p.field(c) = rate
	return p
}

// Validate checks that every rate is a probability.
func (p Profile) Validate() error {
	for _, c := range AllCorruptions() {
		if r := p.Rate(c); !(r >= 0 && r <= 1) {
			return fmt.Errorf("synth: profile %q: %s rate %g not in [0,1]", p.Name, c, r)
		}
	}
	return nil
}

// DefaultProfile is the realistic default: most records clean, each
// corruption a few percent of the records it can apply to. The table in
// the package documentation lists the rates.
func DefaultProfile() Profile {
	return Profile{
		Name:        "default",
		VaryFormats: true,

		BSNMissing: 0.05,
		BSNOther:   0.0002,
		BSNTypo:    0.002,

		PartnerName:    0.03,
		DoubleName:     0.15,
		FamilyNameTypo: 0.02,
		PrefixDropped:  0.03,
		PrefixVariant:  0.10,

		GivenNamesMissing: 0.02,
		Initials:          0.05,
		FirstNameOnly:     0.04,
		GivenNameTypo:     0.02,

		DiacriticsLost:  0.30,
		CaseChange:      0.03,
		ExtraWhitespace: 0.02,

		BirthDateMissing: 0.001,
		DayMonthSwap:     0.01,
		BirthDateTypo:    0.005,

		SexMissing: 0.005,
		SexWrong:   0.001,

		PostcodeMissing: 0.03,
		Moved:           0.05,
		AddressTypo:     0.005,
	}
}

// CleanProfile corrupts nothing and writes canonical layouts: every
// record of a person shows the ground truth.
func CleanProfile() Profile { return Profile{Name: "clean"} }

// HeavyProfile has three times the default rates (at most 0.9).
func HeavyProfile() Profile {
	p := DefaultProfile()
	p.Name = "heavy"
	for _, c := range AllCorruptions() {
		p = p.WithRate(c, min(0.9, 3*p.Rate(c)))
	}
	return p
}

// ProfileByName returns "default", "clean" or "heavy".
func ProfileByName(name string) (Profile, error) {
	switch name {
	case "default", "":
		return DefaultProfile(), nil
	case "clean":
		return CleanProfile(), nil
	case "heavy":
		return HeavyProfile(), nil
	}
	return Profile{}, fmt.Errorf("synth: unknown profile %q (want default, clean or heavy)", name)
}

// Record is one institution's record of a person.
type Record struct {
	PersonID      int64 // ground truth: records with the same PersonID are the same person
	Institution   int   // index into Population.Institutions
	AGB           string
	PatientNumber string
	BSN           string
	FamilyName    string
	GivenNames    string
	Initials      string // "J.P.": all initials as registered, "" when given names are missing
	BirthDate     string // in the institution's DateFormat
	Sex           string // in the institution's SexCodes
	Postcode      string
	HouseNo       string
	ICD10         string // payload: diagnosis
	DiagnosisDate string // payload: yyyy-mm-dd
	Corruptions   Corruption

	eligible Corruption // corruptions that could have applied (for the rate tests)
}

// record makes person ps's record at institution j.
func (g *gen) record(ps *person, j int) Record {
	p := g.pop
	prof := &p.cfg.Profile
	in := &p.insts[j]
	g.recSrc.Seed(key(p.cfg.Seed, streamRecord), mix(uint64(ps.id)<<6|uint64(j)))
	g.detSrc.Seed(key(p.cfg.Seed, streamDetail), mix(uint64(ps.id)<<6|uint64(j)))
	for i := range g.u {
		g.u[i] = g.rr.Float64()
	}
	d := g.dr
	rec := Record{
		PersonID: ps.id, Institution: j, AGB: in.AGB,
		PatientNumber: p.PatientNumber(j, ps.id),
		ICD10:         ps.diag,
	}
	var applied, elig Corruption
	try := func(c Corruption) bool {
		elig |= c
		if i := bits.TrailingZeros32(uint32(c)); g.u[i] < p.rates[i] {
			applied |= c
			return true
		}
		return false
	}

	// BSN.
	if !prof.NoBSN && hasBSN(p.cfg.Seed, ps.id) {
		n := p.bsnNumber(ps.id)
		switch {
		case try(CorruptBSNMissing):
		case try(CorruptBSNOther):
			rec.BSN = formatBSN(g.otherBSN(ps))
		case try(CorruptBSNTypo):
			b := []byte(formatBSN(n))
			i := d.IntN(9)
			b[i] = '0' + byte((int(b[i]-'0')+1+d.IntN(9))%10)
			rec.BSN = string(b)
		default:
			rec.BSN = formatBSN(n)
		}
	}

	// Family name.
	shown := ps.family()
	parts := []name{shown}
	if ps.hasPartner() {
		switch {
		case try(CorruptPartnerName):
			if ps.usesPartner {
				shown = ps.birth
			} else {
				shown = ps.partner
			}
			parts[0] = shown
		case try(CorruptDoubleName):
			if d.IntN(2) == 0 {
				parts = []name{ps.birth, ps.partner}
			} else {
				parts = []name{ps.partner, ps.birth}
			}
		}
	}
	if try(CorruptFamilyNameTypo) {
		i := d.IntN(len(parts))
		parts[i].core = typo(d, parts[i].core)
	}
	var family string
	switch {
	case len(parts) == 1 && parts[0].prefix != "" && try(CorruptPrefixDropped):
		family = parts[0].core
	case len(parts) == 1 && parts[0].prefix != "" && try(CorruptPrefixVariant):
		family = prefixVariant(d, parts[0])
	case len(parts) == 1:
		family = parts[0].String()
	default:
		family = parts[0].String() + "-" + parts[1].String()
	}

	// Given names.
	var given string
	if !try(CorruptGivenNamesMissing) {
		rec.Initials = initials(ps.given[:ps.nGiven], "J.P.")
		if try(CorruptInitials) {
			given = initials(ps.given[:ps.nGiven], []string{"J.P.", "J.P.", "J.P.", "JP", "J. P."}[d.IntN(5)])
		} else {
			names := ps.given // a copy
			n := ps.nGiven
			if n > 1 && try(CorruptFirstNameOnly) {
				n = 1
			}
			if try(CorruptGivenNameTypo) {
				i := d.IntN(n)
				names[i] = typo(d, names[i])
			}
			given = strings.Join(names[:n], " ")
		}
	}

	// Text.
	if hasDiacritics(family) || hasDiacritics(given) || hasDiacritics(rec.Initials) {
		if try(CorruptDiacriticsLost) {
			pairs := d.IntN(4) == 0
			family, given, rec.Initials = fold(family, pairs), fold(given, pairs && applied&CorruptInitials == 0), fold(rec.Initials, false)
		}
	}
	if try(CorruptCaseChange) {
		if d.IntN(4) == 0 {
			family, given = strings.ToLower(family), strings.ToLower(given)
		} else {
			family, given = strings.ToUpper(family), strings.ToUpper(given)
		}
	}
	if try(CorruptExtraWhitespace) {
		if given != "" && d.IntN(2) == 0 {
			given = whitespace(d, given)
		} else {
			family = whitespace(d, family)
		}
	}
	rec.FamilyName, rec.GivenNames = family, given

	// Birth date.
	if !try(CorruptBirthDateMissing) {
		y, m, dd := ps.by, ps.bm, ps.bd
		if dd <= 12 && dd != m && try(CorruptDayMonthSwap) {
			m, dd = dd, m
		}
		if try(CorruptBirthDateTypo) {
			y, m, dd = g.dateTypo(y, m, dd)
		}
		rec.BirthDate = in.DateFormat.Format(y, m, dd)
	}

	// Sex.
	if !try(CorruptSexMissing) {
		female := ps.female
		if try(CorruptSexWrong) {
			female = !female
		}
		rec.Sex = in.sexM
		if female {
			rec.Sex = in.sexF
		}
	}

	// Address.
	if !try(CorruptPostcodeMissing) {
		a := ps.addr
		if try(CorruptMoved) {
			a = ps.prev
		}
		if try(CorruptAddressTypo) {
			a = addressTypo(d, a)
		}
		rec.Postcode = a.postcode()
		if in.PostcodeForm == "1234 AB" {
			rec.Postcode = rec.Postcode[:4] + " " + rec.Postcode[4:]
		}
		rec.HouseNo = a.houseNo(in.hnLetter, in.hnNumber)
	}

	// Payload: the diagnosis date as this institution has it.
	ref := time.Date(p.cfg.RefYear, 1, 1, 0, 0, 0, 0, time.UTC)
	birth := time.Date(ps.by, time.Month(ps.bm), ps.bd, 0, 0, 0, 0, time.UTC)
	dt := time.Date(ps.dy, time.Month(ps.dm), ps.dd+d.IntN(61)-30, 0, 0, 0, 0, time.UTC)
	if !dt.Before(ref) {
		dt = ref.AddDate(0, 0, -1-d.IntN(30))
	}
	if dt.Before(birth) {
		dt = birth
	}
	y, m, dd := dt.Date()
	rec.DiagnosisDate = isoDate(y, int(m), dd)

	rec.Corruptions, rec.eligible = applied, elig
	return rec
}

// otherBSN is a valid BSN of another person: a household member's if
// there is one, else anyone's.
func (g *gen) otherBSN(ps *person) uint32 {
	p := g.pop
	for i := range g.ps {
		o := &g.ps[i]
		if o.household == ps.household && o.id != ps.id && hasBSN(p.cfg.Seed, o.id) {
			return p.bsnNumber(o.id)
		}
	}
	span := p.cfg.FirstID + int64(p.cfg.Persons)
	for {
		id := 1 + g.dr.Int64N(max(span, 2))
		if id != ps.id && hasBSN(p.cfg.Seed, id) && p.bsnNumber(id) != p.bsnNumber(ps.id) {
			return p.bsnNumber(id)
		}
	}
}

// dateTypo changes one digit of yyyymmdd to another plausible date.
func (g *gen) dateTypo(y, m, d int) (int, int, int) {
	r := g.dr
	ref := g.pop.cfg.RefYear
	digits := []byte(DateCompact.Format(y, m, d))
	for tries := 0; tries < 100; tries++ {
		b := append([]byte(nil), digits...)
		i := []int{2, 3, 3, 4, 5, 5, 6, 7, 7, 7}[r.IntN(10)] // mostly day, month, last year digits
		old := int(b[i] - '0')
		nd := (old + 1 + r.IntN(9)) % 10
		if r.IntN(2) == 0 { // a neighbouring key
			nd = (old + 9 + 2*r.IntN(2)) % 10
		}
		b[i] = byte('0' + nd)
		ny := int(b[0]-'0')*1000 + int(b[1]-'0')*100 + int(b[2]-'0')*10 + int(b[3]-'0')
		nm := int(b[4]-'0')*10 + int(b[5]-'0')
		ndd := int(b[6]-'0')*10 + int(b[7]-'0')
		if ny >= 1900 && ny < ref && nm >= 1 && nm <= 12 && ndd >= 1 && ndd <= daysIn(ny, nm) {
			return ny, nm, ndd
		}
	}
	// Fall back to the neighbouring day.
	if d > 1 {
		return y, m, d - 1
	}
	return y, m, d + 1
}

func addressTypo(r *rand.Rand, a address) address {
	if r.IntN(2) == 0 {
		pos := 1 + r.IntN(3) // one of the last three digits of the area
		digits := strconv.AppendInt(nil, int64(a.area), 10)
		digits[pos] = '0' + byte((int(digits[pos]-'0')+1+r.IntN(9))%10)
		n := 0
		for _, c := range digits {
			n = n*10 + int(c-'0')
		}
		a.area = n
		return a
	}
	for {
		digits := strconv.AppendInt(nil, int64(a.number), 10)
		pos := r.IntN(len(digits))
		digits[pos] = '0' + byte((int(digits[pos]-'0')+1+r.IntN(9))%10)
		n := 0
		for _, c := range digits {
			n = n*10 + int(c-'0')
		}
		if n >= 1 && n != a.number {
			a.number = n
			return a
		}
	}
}

// typo makes one typing error in s: a letter inserted (a neighbouring key
// or a doubled letter), deleted, substituted by a neighbouring key, or two
// adjacent letters transposed. The first letter is spared nine times in
// ten.
func typo(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) < 2 {
		return s + "e"
	}
	pos := func(n int) int {
		if n <= 1 || r.IntN(10) == 0 {
			return r.IntN(n)
		}
		return 1 + r.IntN(n-1)
	}
	for tries := 0; tries < 20; tries++ {
		var out []rune
		switch r.IntN(4) {
		case 0: // insert after position i
			i := r.IntN(len(rs))
			if !unicode.IsLetter(rs[i]) {
				continue
			}
			c := rs[i]
			if r.IntN(2) == 0 {
				c = neighbour(r, rs[i])
			}
			c = unicode.ToLower(c)
			out = append(append(append(out, rs[:i+1]...), c), rs[i+1:]...)
		case 1: // delete
			if len(rs) < 3 {
				continue
			}
			i := pos(len(rs))
			if !unicode.IsLetter(rs[i]) {
				continue
			}
			out = append(append(out, rs[:i]...), rs[i+1:]...)
			if i == 0 {
				out[0] = unicode.ToUpper(out[0])
			}
		case 2: // substitute
			i := pos(len(rs))
			if !unicode.IsLetter(rs[i]) {
				continue
			}
			out = append(out, rs...)
			out[i] = neighbour(r, rs[i])
		case 3: // transpose i and i+1
			i := pos(len(rs) - 1)
			if !unicode.IsLetter(rs[i]) || !unicode.IsLetter(rs[i+1]) || unicode.ToLower(rs[i]) == unicode.ToLower(rs[i+1]) {
				continue
			}
			out = append(out, rs...)
			out[i], out[i+1] = out[i+1], out[i]
			if i == 0 && unicode.IsUpper(rs[0]) {
				out[0], out[1] = unicode.ToUpper(out[0]), unicode.ToLower(out[1])
			}
		}
		if t := string(out); t != s && strings.TrimSpace(t) != "" {
			return t
		}
	}
	return s + "e"
}

// neighbour returns a key next to c on a QWERTY keyboard, in c's case.
func neighbour(r *rand.Rand, c rune) rune {
	l := unicode.ToLower(c)
	n, ok := keyboard[byte(l)]
	if l > 127 || !ok {
		n = "aeiou"
	}
	out := rune(n[r.IntN(len(n))])
	if unicode.IsUpper(c) {
		out = unicode.ToUpper(out)
	}
	return out
}

// prefixVariant writes a family name with its prefix in another common
// way. Dutch prefixes: "Berg, van den", "Berg van den", "Van den Berg",
// "v.d. Berg" / "vd Berg" / "v/d Berg", "v. Dijk". Other prefixes (el,
// ben, ait): "Elamrani", "El-Amrani", "el Amrani".
func prefixVariant(r *rand.Rand, n name) string {
	if n.prefix[0] >= 'A' && n.prefix[0] <= 'Z' {
		switch r.IntN(3) {
		case 0:
			return n.prefix + strings.ToLower(n.core)
		case 1:
			return n.prefix + "-" + n.core
		}
		return strings.ToLower(n.prefix) + " " + n.core
	}
	switch v := r.IntN(10); {
	case v < 3:
		return n.core + ", " + n.prefix
	case v < 4:
		return n.core + " " + n.prefix
	case v < 7:
	default:
		switch n.prefix {
		case "van der", "van den", "van de":
			return []string{"v.d.", "vd", "v/d", "v.d."}[r.IntN(4)] + " " + n.core
		case "van":
			return "v. " + n.core
		}
	}
	return capitalise(n.prefix) + " " + n.core
}

func capitalise(s string) string {
	if s == "" || s[0] == '\'' {
		return s
	}
	c, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(c)) + s[size:]
}

// initials of names in a layout: "J.P.", "JP" or "J. P.".
func initials(names []string, layout string) string {
	var b strings.Builder
	for i, n := range names {
		c, _ := utf8.DecodeRuneInString(n)
		if i > 0 && layout == "J. P." {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToUpper(c))
		if layout != "JP" {
			b.WriteByte('.')
		}
	}
	return b.String()
}

func hasDiacritics(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			for _, c := range s[i:] {
				if _, ok := asciiFold[c]; ok {
					return true
				}
			}
			return false
		}
	}
	return false
}

// fold drops diacritics as a system limited to ASCII does; with pairs,
// ä, ö and ü become ae, oe and ue.
func fold(s string, pairs bool) string {
	if !hasDiacritics(s) {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		if p, ok := umlautPair[c]; ok && pairs {
			b.WriteString(p)
		} else if f, ok := asciiFold[c]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// whitespace adds a stray space: doubled between words, or leading or
// trailing.
func whitespace(r *rand.Rand, s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 && r.IntN(2) == 0 {
		return s[:i] + " " + s[i:]
	}
	switch r.IntN(3) {
	case 0:
		return " " + s
	case 1:
		return s + " "
	}
	return s + "  "
}
