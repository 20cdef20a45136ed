// Package identity normalises and validates the identifying fields that
// hospitals send to the TTP, on the client and on the server alike. It is
// pure computation: no I/O, no gRPC, nothing else from the project.
//
// # Vocabulary
//
// A Field names one identifying field. The names are stable, as they
// appear in column mappings, configuration and the pseudonym
// specification:
//
//	bsn             citizen service number          ParseBSN
//	family_name     family name with prefix         ParseFamilyName
//	given_names     given names                     ParseGivenNames
//	initials        initials                        ParseInitials
//	birth_date      date of birth                   ParseBirthDate
//	sex             sex                             ParseSex
//	postcode        Dutch or foreign postcode       ParsePostcode
//	house_number    house number and addition       ParseHouseNumber
//	agb             AGB code of the institution     ParseAGB
//	patient_number  the institution's own number    ParsePatientNumber, CanonicalPatientNumber
//
// Each field has a structured parser (for record linkage) and a canonical
// string form, which is what the server turns into a pseudonym:
//
//	bsn             9 digits                        123456782
//	family_name     prefix + " " + core, folded     van der berg, jansen-de vries
//	given_names     names joined by " ", folded     jan pieter (or initials: jp)
//	initials        letters only, lower case        jp
//	birth_date      yyyy-mm-dd                      2001-03-04
//	sex             M, F, X or U                    F
//	postcode        1234AB, or CC-CODE abroad       1234AB, BE-1000
//	house_number    number[-ADDITION]               12, 12-A, 12-BIS
//	agb             8 digits                        01234567
//	patient_number  agb:NUMBER                      01234567:A12345
//
// Folded text has its diacritics removed, is lower case, spells ß as ss,
// æ as ae, ø as o, ł as l and so on; letters of other scripts are kept,
// lower-cased, with a warning. See the parsers for the exact rules.
//
// # Problems
//
// Parsers report at most one Problem per value. Its Code is stable and is
// listed with an explanation for data managers in docs/problem-codes.md; a
// test keeps that file and the Codes table identical. F-codes reject the
// record, W-codes are warnings. Messages are fixed texts from Codes and
// never contain the input value: identifiers must not reach logs.
//
// # The hot path
//
// A Normalizer normalises whole records into a reused output slice and
// appends problems to a reused slice; for values that are already
// canonical it allocates nothing. Plain ASCII input never goes through
// Unicode normalisation.
//
// # Compatibility
//
// The canonical forms are part of the pseudonym specification. Changing
// one, even to fix an obvious flaw, changes the pseudonyms of every person
// it affects and breaks linkage with everything pseudonymised before. So
// canonical forms change only together with a new version of the
// specification, and the tests pin them down. Adding an accepted input
// spelling that maps onto an existing canonical form is compatible;
// problem codes are never renumbered or reused.
package identity
