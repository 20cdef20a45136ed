// Package synth makes synthetic Dutch patient records with ground truth,
// for testing and benchmarking record linkage, and for demonstrations.
// Everything is deterministic: the same Config gives byte-identical
// output. No real person's data is used; names and numbers are drawn from
// public frequency lists and combined at random.
//
// There are two generators. Generator (New, Person, BSN) is the first,
// simple one: independent persons, no institutions, no corruption; its
// output for a seed never changes. Population is the full one described
// here.
//
// # The population
//
// NewPopulation(cfg) describes cfg.Persons persons with ground-truth IDs
// FirstID+1 ... FirstID+Persons. A person depends only on the seed and the
// ID, never on the number of persons or institutions, so nothing is held
// in memory: Records and Persons stream with bounded memory, and Truth(id)
// regenerates any one person. IDs are grouped in blocks of eight, each
// divided into households; a household's members are generated together
// from a seed of their own.
//
//   - Households (ground truth in Truth.Household and Truth.Role), drawn
//     per household: single 84%; couple 10% (a man and a woman of similar
//     age at one address; she has his name as partner name and uses it as
//     her family name about half the time, so both have the same family
//     name); an elderly parent with an adult child, 3% (same family name
//     and address; in 15% of same-sex pairs the same first given name);
//     a couple with an adult child, 1.5%; twins, 1.2% (same birth date and
//     family name, different first given names; in three cases of ten at
//     one address). About 28% of persons live in a household of two or
//     more, 2% are twins. These are the hard cases for linkage precision.
//   - Family names: 90% Dutch, 10% Turkish, Moroccan, Surinamese,
//     Indonesian/Moluccan, Polish or German (Öztürk, Yılmaz, El Amrani,
//     Ramdin, Pattiasina, Kowalczyk, Wiśniewski and Wiśniewska,
//     Müller). Of Dutch names 30% come from a list of the ~330 most
//     frequent ones with their prefixes ("de Jong", "Jansen", "de Vries",
//     "van den Berg" ...) drawn with weight 1/(rank+15), so "de Jong" is
//     about 0.6% of persons as in the real population; the rest are a long
//     tail of compositional names ("Hoogeveld", "van Brinkhorst"; thousands
//     of distinct ones), a fifth of them with a prefix. Married women
//     (60% of women from 25) have a partner name.
//   - Given names: 1 to 3 (Dutch 30/45/25%), sex-specific, Zipf-like by
//     rank; for Dutch persons formal baptismal names (Johannes, Cornelis,
//     Maria, Johanna) dominate the older cohorts and modern ones (Mark,
//     Sandra) the younger; other origins have their own lists (Mehmet,
//     Ayşe, Mohamed, Khadija, Rakesh, Małgorzata, ...).
//   - Sex: 52% male. Birth dates: age on 1 January RefYear from the age
//     distribution of cancer patients (0-17 0.5%, 18-29 1.5%, 30-39 3%,
//     40-49 7%, 50-59 15%, 60-69 26%, 70-79 29%, 80-89 15%, 90-99 3%).
//   - BSN: valid (11-proef) and unique per person (a keyed permutation of
//     the ID, up to 81 million IDs); 0.5% of persons have none.
//   - Addresses: postcodes 1000AA-9999ZZ without SA, SD, SS (and without
//     the unused letters F, I, O, Q, U, Y); a fixed density over the
//     4-digit areas (a fifth unused, cities denser) and each area using
//     only some letter pairs, so unrelated persons share postcodes as in
//     reality. House numbers 1-300, mostly low; 5% with a letter addition
//     ("12A"), 3% with a floor ("7-2"). Every person also has a previous
//     address (half of them in the same area) for the Moved corruption.
//   - Payload: an ICD-10 cancer diagnosis by sex and a diagnosis date in
//     the ten years before RefYear (each institution's date within ±30
//     days of the person's).
//
// # Institutions
//
// Config.Institutions institutions (default 3) have unique AGB codes
// ("06" and six digits) and their own patient-number formats ("A0012345",
// "1234567", "UMC-0000042", "00012345", "P0001234-5", "NKI0001234"),
// unique within the institution. A person is at one institution, or with
// probability Config.Overlap (default 0.4) at two or more, and then at
// each further one with probability 1/4 (3 institutions: 60% at one, 30%
// at two, 10% at three). Institution j is chosen with weight 1/(1+0.3j), so the first
// is the largest. With Profile.VaryFormats each institution declares its
// own layout: birth dates in turn yyyy-mm-dd, dd-mm-yyyy, yyyymmdd,
// d/m/yyyy; sex M/F, M/V or 1/2; postcodes "1234AB" or "1234 AB"; house
// number additions "12A", "12-A", "12 a" or "12a", and "7-2" or "7/2".
//
// # Records and their order
//
// Records yields one Record per person per institution. Order
// ByInstitution (the default) yields all of institution 0's records, then
// institution 1's, and so on, each in ascending person ID: as deliveries
// arrive. ByPerson yields each person's records together. Either way the
// number of true matching pairs is the sum over persons of C(k,2), k the
// person's number of institutions; Stats computes it (and other counts)
// cheaply without generating records. WriteCSV writes records as
// ";"-separated CSV.
//
// # Corruption profile
//
// Each record is corrupted independently (from a seed derived from the
// person and the institution), so the same person differs between
// institutions. Each corruption has a per-record probability in Profile;
// the rate applies to the records it can apply to ("of" below), and
// corruptions earlier in a group take precedence over later ones.
// Record.Corruptions tells which were applied.
//
//	corruption           default  applies to / effect
//	BSNMissing           5%       records with a BSN: BSN left empty
//	BSNOther             0.02%    ... not missing: a household member's (else anyone's) valid BSN
//	BSNTypo              0.2%     ... neither: one digit wrong (always fails the 11-proef)
//	PartnerName          3%       married women: the other name only (partner's instead of own or back)
//	DoubleName           15%      married women, not PartnerName: "Jansen-de Vries", own or partner's name first
//	FamilyNameTypo       2%       all: one typing error in the core name (of one part of a double name)
//	PrefixDropped        3%       single names with a prefix: "Berg" for "van den Berg"
//	PrefixVariant        10%      ... not dropped: "Berg, van den", "Berg van den", "Van den Berg",
//	                              "v.d. Berg", "vd Berg", "v/d Berg", "v. Dijk"; El Amrani: "Elamrani",
//	                              "El-Amrani", "el Amrani"
//	GivenNamesMissing    2%       all: given names (and initials) empty
//	Initials             5%       ... not missing: initials instead of given names ("J.P.", "JP", "J. P.")
//	FirstNameOnly        4%       ... neither, 2+ given names: only the first
//	GivenNameTypo        2%       ... not missing or initials: one typing error in one given name
//	DiacriticsLost       30%      records whose names have diacritics: "Ozturk"; in a quarter of
//	                              them ä, ö, ü become ae, oe, ue ("Mueller")
//	CaseChange           3%       all: names in upper case (three in four) or lower case
//	ExtraWhitespace      2%       all: a doubled inner, a leading or a trailing space in a name
//	BirthDateMissing     0.1%     all: birth date empty
//	DayMonthSwap         1%       ... not missing, day <= 12 and day != month: day and month swapped
//	BirthDateTypo        0.5%     ... not missing: one digit wrong, still a plausible date
//	SexMissing           0.5%     all: sex empty
//	SexWrong             0.1%     ... not missing: the other sex
//	PostcodeMissing      3%       all: postcode and house number empty
//	Moved                5%       ... not missing: the previous address (postcode and house number)
//	AddressTypo          0.5%     ... not missing: one digit of the postcode or house number wrong
//
// Typing errors are, with equal chance, an inserted letter (a
// neighbouring key or a doubled letter), a deleted letter, a letter
// replaced by a neighbouring key on a QWERTY keyboard, or two adjacent
// letters transposed; the first letter is spared nine times in ten.
//
// Profile.NoBSN removes every BSN. The profiles: DefaultProfile (the
// table, VaryFormats on) leaves about two records in three untouched;
// HeavyProfile triples every rate (at most 90%); CleanProfile (the zero
// Profile) corrupts nothing and writes canonical layouts.
//
// Not modelled: transliteration variants (Mohamed/Mohammed), a call name
// instead of the official given names, a person registered twice at one
// institution, foreign addresses, and same-sex couples.
package synth
