package linkage

import (
	"cmp"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"slices"
	"strconv"
	"sync"

	"github.com/ttpnl/ttp/identity"
)

// Input is one source record, parsed by package identity. Zero values mean
// "missing".
type Input struct {
	// Source identifies the record at its source, in its owner's
	// namespace (see SourceOf). Registering the same Source again with
	// values that still match returns the same person and changes nothing.
	Source string
	BSN    string // a valid BSN
	// BSNTypo is a BSN that fails the 11-check: not an identifier, only
	// compared with other BSNs as a possible typo of one.
	BSNTypo  string
	Family   identity.FamilyName
	Given    identity.GivenNames
	Birth    identity.Date // a part may be 0: unknown (identity.PartialBirthDate)
	Sex      string        // "M", "F", "X"; "" or "U" when unknown
	Postcode identity.Postcode
	House    identity.HouseNumber
}

// Features are a record's keyed encodings: all that the index keeps of it.
// A zero value means the field was missing. The equality encodings are 32
// bits: a chance collision between two different values (2^-32 per
// comparison) costs nothing measurable, and a million records take 56 MB
// less than with 64 bits.
type Features struct {
	BSN, Year, Month, Day, Sex      uint32
	Postcode, Area, House           uint32
	Family, FamilyFirst, FamilyLast uint32 // the whole core; first and last part of a double name
	First, Initials, FirstInitial   uint32
	FamilyBloom, FirstBloom         Bloom
	// BSNParts are the BSN (valid or a typo) without each of its three
	// 3-digit parts: one wrong digit leaves one of them equal.
	BSNParts [3]uint32
	// GivenAsFamily is the first given name under the label of the
	// family-name parts, so that a swap of the two can be recognised.
	GivenAsFamily uint32
	// FirstGroup is the official name the first given name is a call name
	// of (identity.CallNameGroup): Kees and Cornelis share it.
	FirstGroup uint32
	// GivenBloom is the first given name's bigrams under the family-name
	// label, so that a swap of the two is recognised through a typo.
	GivenBloom Bloom
	// PostcodeSorted is a Dutch postcode with its digits sorted: two
	// postcodes that differ only in the order of their digits (a typo:
	// 2086 AB, 2068 AB) share it.
	PostcodeSorted uint32
	// FamilySound is the sound code of the family name's first part (as
	// the blocking keys use it): spelling variants and many typos
	// (Meijer, Meyer; Janssen, Jansen) share it.
	FamilySound uint32
	// FirstSound is the first given name's sound code: Catherine and
	// Kathryn share it.
	FirstSound uint32
}

// Encoded is a record ready for the index.
type Encoded struct {
	Source   uint64 // keyed hash of Input.Source
	Features Features
	Blocks   []uint64 // keyed blocking keys, distinct, at most MaxBlockKeys
	// BSNBlock is the bsn blocking key (also in Blocks), 0 without a valid
	// BSN: the block looked up first (bsnfirst.go).
	BSNBlock uint64
	// Probes are blocking keys looked up but not stored: for a BSN with a
	// typo, the BSN keys of its corrections (identity.BSNCorrections), so
	// that it meets its person's records that have the valid BSN. Those
	// registered after it meet it through its other keys only.
	Probes []uint64
	// Conflict is the key under which the record is registered instead
	// when its source is known with values that disagree (see
	// Index.Register): a keyed hash of the source and these values, so
	// that sending the same conflicting record again is known too.
	Conflict uint64
}

// MaxBlockKeys bounds the blocking keys per record.
const MaxBlockKeys = 8

// Scheme is how an index's encodings are computed from the linkage key.
// It is fixed for the life of an index, like the key: every stored
// encoding depends on it (EncoderKey says which an index has).
type Scheme int

const (
	// SchemeHMAC: every encoding is an HMAC-SHA256 under the key. Indexes
	// made before scheme 2 existed keep it.
	SchemeHMAC Scheme = 1
	// SchemeCMAC: the equality encodings, blocking keys, source keys and
	// domain tags are AES-256-CMAC (cmac.go) under a key derived from the
	// linkage key, a third of the cost; the name bigrams of the Bloom
	// filters stay HMAC-SHA256 under the key itself (they are memoised,
	// so cost nothing), which keeps every Dice coefficient, and so every
	// decision, that of scheme 1 under the same key.
	SchemeCMAC Scheme = 2
)

// Encoder computes encodings under the linkage key. It is safe for
// concurrent use.
type Encoder struct {
	pool sync.Pool // of *hasher
	cmac *cmac     // nil in SchemeHMAC
}

// NewEncoder returns an encoder of SchemeCMAC, the scheme of new indexes,
// under key (32 bytes from the keyring).
func NewEncoder(key []byte) *Encoder { return NewEncoderOfScheme(key, SchemeCMAC) }

// NewEncoderOfScheme returns an encoder of scheme under key.
func NewEncoderOfScheme(key []byte, scheme Scheme) *Encoder {
	k := append([]byte(nil), key...)
	e := &Encoder{}
	e.pool.New = func() any {
		return &hasher{h: hmac.New(sha256.New, k), cmac: e.cmac, memo: hashMemo{}, buf: make([]byte, 0, 64)}
	}
	if scheme == SchemeCMAC {
		ck, err := hkdf.Key(sha256.New, k, nil, "ttp person index encodings: AES-256-CMAC key", 32)
		if err == nil {
			e.cmac, err = newCMAC(ck)
		}
		if err != nil {
			// HKDF of a 32-byte length, and AES with a 32-byte key,
			// cannot fail.
			panic("linkage: the encoder's CMAC key: " + err.Error())
		}
	}
	return e
}

// hasher computes labelled keyed hashes, for one goroutine at a time.
type hasher struct {
	h    hash.Hash // HMAC-SHA256 under the key
	cmac *cmac     // nil in SchemeHMAC
	memo hashMemo
	buf  []byte
	sum  [32]byte
	tag  [16]byte
}

func (e *Encoder) hasher() *hasher   { return e.pool.Get().(*hasher) }
func (e *Encoder) release(h *hasher) { e.pool.Put(h) }

// of returns the keyed 64-bit hash of label ‖ 0 ‖ parts joined by 0, or 0
// when any part is empty (a missing field encodes as missing).
func (h *hasher) of(label string, parts ...string) uint64 {
	return h.keyed(h.cmac != nil, label, parts...)
}

// keyed is of with the CMAC (useCMAC) or the HMAC.
func (h *hasher) keyed(useCMAC bool, label string, parts ...string) uint64 {
	for _, p := range parts {
		if p == "" {
			return 0
		}
	}
	var memo bool
	var key uint64
	if n := memoLabel(label); n != 0 {
		if key, memo = memoKey(n, parts); memo {
			if v, ok := h.memo[key]; ok {
				return v
			}
		}
	}
	h.buf = append(h.buf[:0], label...)
	for _, p := range parts {
		h.buf = append(h.buf, 0)
		h.buf = append(h.buf, p...)
	}
	var v uint64
	if useCMAC {
		v = h.cmac.sum64(&h.tag, h.buf)
	} else {
		h.h.Reset()
		h.h.Write(h.buf)
		v = binary.LittleEndian.Uint64(h.h.Sum(h.sum[:0]))
	}
	if v == 0 {
		v = 1 // 0 means missing
	}
	if memo {
		h.memo.store(key, v)
	}
	return v
}

// of32 is of, truncated to the 32 bits of an equality encoding; 0 still
// means missing.
func (h *hasher) of32(label string, parts ...string) uint32 {
	v := h.of(label, parts...)
	if v == 0 {
		return 0
	}
	if w := uint32(v); w != 0 {
		return w
	}
	return 1
}

// bloom adds the bigrams of " name " (padded, so first and last letters
// count) under label, each bit an HMAC in every scheme (see SchemeCMAC).
func (h *hasher) bloom(label, name string) Bloom {
	var b Bloom
	if name == "" {
		return b
	}
	padded := " " + name + " "
	for i := 0; i+2 <= len(padded); i++ {
		b.add(h.keyed(false, label, padded[i:i+2]))
	}
	return b
}

// Encode computes a record's encodings.
func (e *Encoder) Encode(in *Input) Encoded {
	h := e.hasher()
	defer e.release(h)
	var f Features
	f.BSN = h.of32("bsn", in.BSN)
	if d := cmp.Or(in.BSN, in.BSNTypo); len(d) == 9 {
		for j := range f.BSNParts {
			f.BSNParts[j] = h.of32(bsnPartLabels[j], d[:3*j]+d[3*j+3:])
		}
	}
	// A part of a partial date that is 0 stays missing.
	f.Year = h.of32("year", datePart(in.Birth.Year))
	// Day and month share a label, so that a swapped day and month
	// can be recognised by comparing the one with the other.
	f.Month = h.of32("day-or-month", datePart(in.Birth.Month))
	f.Day = h.of32("day-or-month", datePart(in.Birth.Day))
	if in.Sex != "U" {
		f.Sex = h.of32("sex", in.Sex)
	}
	f.Postcode = h.of32("postcode", in.Postcode.Code)
	f.Area = h.of32("area", in.Postcode.Area)
	f.PostcodeSorted = h.of32("postcode-sorted", sortedPostcode(in.Postcode))
	if in.House.Number != 0 {
		f.House = h.of32("house", in.House.String())
	}
	core := in.Family.Core
	firstPart, lastPart := core, core
	if core != "" {
		parts := in.Family.Parts()
		firstPart, lastPart = parts[0], parts[len(parts)-1]
	}
	f.Family = h.of32("family", core)
	f.FamilyFirst = h.of32("family-part", firstPart)
	f.FamilyLast = h.of32("family-part", lastPart)
	f.FamilyBloom = h.bloom("family-bigram", firstPart)
	sound := phonetic(firstPart)
	f.FamilySound = h.of32("family-sound", sound)
	f.First = h.of32("first", in.Given.First)
	f.Initials = h.of32("initials", in.Given.Initials)
	if in.Given.Initials != "" {
		f.FirstInitial = h.of32("first-initial", in.Given.Initials[:1])
	}
	f.FirstBloom = h.bloom("first-bigram", in.Given.First)
	f.GivenAsFamily = h.of32("family-part", in.Given.First)
	f.GivenBloom = h.bloom("family-bigram", in.Given.First)
	f.FirstGroup = h.of32("first-group", identity.CallNameGroup(in.Given.First))
	givenSound := phonetic(in.Given.First)
	f.FirstSound = h.of32("first-sound", givenSound)

	enc := Encoded{Source: h.of("source", in.Source), Features: f,
		// The features have a fixed length, so the two parts cannot run
		// into each other.
		Conflict: h.of("source-conflict", in.Source, string(encodeFeatures(&f)))}
	enc.Blocks, enc.BSNBlock = e.blocks(h, in, sound, givenSound, firstPart, lastPart)
	for _, c := range identity.BSNCorrections(in.BSNTypo) {
		enc.Probes = append(enc.Probes, h.of("b-bsn", c))
	}
	return enc
}

// blocks makes the blocking keys. Each survives a different kind of error,
// so a true match shares at least one key with its person unless several
// fields are wrong at once:
//
//	bsn                                     everything but a wrong BSN
//	date + surname sound                    a move, a given-name change
//	date + first-name sound + the surname     a move with a surname typo that
//	  sound's first letter                   changes its sound (the first
//	                                         letter is seldom the wrong one)
//	date + postcode, digits sorted          a surname typo or marriage name,
//	                                         also with the postcode's digits
//	                                         transposed
//	surname sound + postcode, digits sorted   a date error, also with the
//	                                         given name wrong or missing, or
//	                                         no date and the postcode's
//	                                         digits transposed
//	surname sound + first-name sound + year   a move and a day/month error,
//	                                         or given and family name
//	                                         swapped; without a year, the
//	                                         sorted postcode in its place
//	postcode + house number + first initial  a surname change and a date
//	                                         error, or no birth date
//	last surname part + date                 a double name added or dropped
//
// A BSN with a typo stores no bsn key; it looks up (Encoded.Probes) the bsn
// keys of its corrections, the valid numbers one wrong digit or one swap
// of neighbouring digits away.
//
// Dates enter blocking keys with day and month sorted, so a swapped day and
// month still meet. The two address keys hold a household or two each,
// however large the index: a postcode is some twenty addresses. (They
// replaced surname sound + first initial + postcode and postcode + house
// number + year, which found fewer true pairs on every evaluation set;
// records registered before meet new ones through the other keys.) The
// surname-sound key brings the other members of a household as candidates,
// which Model.Score sends to new persons (householdMember), not to review.
// The first-name key brings strangers born on one day with one first name
// (the surname's first letter keeps them few), which Model.Score keeps
// from linking on that alone (closeNameElsewhere).
//
// It also returns the bsn key on its own (0 without a valid BSN).
func (e *Encoder) blocks(h *hasher, in *Input, sound, givenSound, firstPart, lastPart string) (keys []uint64, bsn uint64) {
	year := datePart(in.Birth.Year)
	var date string
	if b := in.Birth; b.Year != 0 && b.Month != 0 && b.Day != 0 {
		d, m := min(b.Day, b.Month), max(b.Day, b.Month)
		date = year + "-" + strconv.Itoa(m) + "-" + strconv.Itoa(d)
	}
	// The two name sounds in order, so that a swapped family and given
	// name still meet.
	nameSounds := []string{sound, givenSound}
	if nameSounds[0] > nameSounds[1] {
		nameSounds[0], nameSounds[1] = nameSounds[1], nameSounds[0]
	}
	sorted := sortedPostcode(in.Postcode)
	pcSorted := cmp.Or(sorted, in.Postcode.Code)
	var initial string
	if in.Given.Initials != "" {
		initial = in.Given.Initials[:1]
	}
	bsn = h.of("b-bsn", in.BSN)
	keys = []uint64{
		bsn,
		h.of("b-date-sound", date, sound),
		h.of("b-date-given-sound", date, givenSound, sound[:min(1, len(sound))]),
		h.of("b-date-pc-sorted", date, sorted),
		h.of("b-sound-pc", sound, pcSorted),
		h.of("b-sounds-year", nameSounds[0], nameSounds[1], cmp.Or(year, "pc "+pcSorted)),
		h.of("b-pc-house-initial", in.Postcode.Code, houseKey(in.House), initial),
	}
	if lastPart != firstPart {
		keys = append(keys, h.of("b-date-sound", date, phonetic(lastPart)))
	}
	out := keys[:0]
	for _, k := range keys {
		if k != 0 && !contains(out, k) {
			out = append(out, k)
		}
	}
	return out, bsn
}

// bsnPartLabels label the BSN without its first, second and third part.
var bsnPartLabels = [3]string{"bsn-without-1", "bsn-without-2", "bsn-without-3"}

// datePart is a part of a birth date as text, "" (missing) when 0.
func datePart(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// sortedPostcode is a Dutch postcode with its 4 digits in ascending order
// ("2068AB" for "2086AB"); "" for a foreign one or one without letters.
func sortedPostcode(pc identity.Postcode) string {
	if len(pc.Area) != 4 || len(pc.Code) != 6 {
		return ""
	}
	d := []byte(pc.Area)
	slices.Sort(d)
	return string(d) + pc.Code[4:]
}

func houseKey(h identity.HouseNumber) string {
	if h.Number == 0 {
		return ""
	}
	return h.String()
}

func contains(ks []uint64, k uint64) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// SourceKey is the keyed hash under which a source record is registered
// ("agb:patient number" or "source name:row key", as in Input.Source).
func (e *Encoder) SourceKey(source string) uint64 {
	h := e.hasher()
	defer e.release(h)
	return h.of("source", source)
}

// DomainTag is the keyed hash under which the index records which persons
// have records registered through a domain (store.PersonIndex.AddToDomain),
// so that the domain's recipients are told of those persons' changes only.
func (e *Encoder) DomainTag(domain string) uint64 {
	h := e.hasher()
	defer e.release(h)
	return h.of("domain", domain)
}
