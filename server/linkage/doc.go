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
// # Key management and compatibility
//
// The linkage key is a keyring in the store, sealed under the KEK, made on
// first use; it has one version for the life of an index, and so has the
// encoding scheme (Scheme): every stored encoding depends on both. An index
// made before scheme 2 keeps SchemeHMAC (every encoding HMAC-SHA256); a new
// one has SchemeCMAC (equality encodings and keys AES-256-CMAC, three times
// cheaper; the Bloom filters' bigrams HMAC-SHA256 as before, so that every
// decision is the same). EncoderKey tells the scheme by the keyring's name.
// An older server version started on an index of scheme 2 would not know
// it; going back a version is not supported.
//
// # Matching
//
// A new record is compared only with records that share a blocking key, so
// the cost per record does not grow with the index; blocks larger than
// MaxBlock are not searched (a very common combination says little). Each
// comparison is scored with Fellegi-Sunter weights log2(m/u) per field and
// agreement level; the best person's score decides: link above the upper
// threshold, a new person below the lower one, and in between a new person
// with a review item for a clerk, the lowest person ID among equal scores.
// A record's BSN block is read before its other blocks, which are read only
// when no candidate in it scores above what a record without the BSN could
// (bsnfirst.go): most records of a known person need one block, not seven.
package linkage
