// Package linkage is the person index: it links records from many
// institutions into persons without storing a single plaintext identifier.
//
// # Encodings
//
// A record's identifying fields, normalised by package identity, are turned
// into keyed encodings under the linkage key (DESIGN §5): 64-bit keyed hashes
// of each field for equality comparisons (birth year, month and day apart, so
// swaps and partial agreement can score), keyed Bloom filters of names for
// typo-tolerant similarity (Dice coefficient), exact keys (BSN; AGB + patient
// number) and blocking keys (combinations such as birth date + surname
// phonetic code). Without the linkage key none of them can be tested against
// a guessed identifier.
//
// # Matching
//
// A new record is compared only with records that share a blocking key, so
// the cost per record does not grow with the index; blocks larger than
// MaxBlock are not searched (a very common combination says little). Each
// comparison is scored with Fellegi-Sunter weights log2(m/u) per field and
// agreement level; the best person's score decides: link above the upper
// threshold, a new person below the lower one, and in between a new person
// with a review item for a clerk.
package linkage
