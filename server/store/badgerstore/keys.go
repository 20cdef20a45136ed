package badgerstore

import "encoding/binary"

// Every storage key starts with one of these prefixes. Numbers in keys are
// big-endian, so that Badger's key order is their numeric order.
const (
	// counters → the meta counters: next record ID, record and person
	// counts, last change and last audit sequence numbers (meta.go).
	countersKey = "m/counters"

	// domainPrefix + name → a domain (domains.go).
	domainPrefix = "d/"
	// recipientPrefix + name → a recipient's public key (recipients.go).
	recipientPrefix = "r/"
	// keyringPrefix + name → a sealed keyring (keyrings.go).
	keyringPrefix = "k/"
	// modelPrefix + version → a linkage model version (models.go).
	modelPrefix = "n/"
	// requestPrefix + ID → a linkage request (requests.go).
	requestPrefix = "q/"
	// auditPrefix + seq → an audit entry's data (audit.go).
	auditPrefix = "a/"
	// auditHashPrefix + index → a hash of the audit log's Merkle tree
	// (audit.go). Not under auditPrefix, whose scan is the entries'.
	auditHashPrefix = "h/"

	// pointerGroupPrefix + ID / pointerGroupSize → the record log
	// pointers of a group of records (pointergroups.go).
	pointerGroupPrefix = "i/g"
	// recordPrefix + ID → a record's pointer, or earlier the whole index
	// record (records.go), as stores before the pointer groups kept them.
	recordPrefix = "i/r"
	// sourcePrefix + source → a record ID, and memberPrefix + person + ID
	// → nothing: a source's record and a person's records as a store
	// before posting runs kept them, moved into a run when it opens
	// (postings.go); now they are postings (sourcePosting, personPosting).
	sourcePrefix = "i/s"
	memberPrefix = "i/m"
	// personGroupPrefix + person / personGroupSize → the persons of a
	// group of IDs that AddPersons recorded, one bit each (persons.go).
	personGroupPrefix = "i/n"
	// personPrefix + person → nothing: a person as stores before the
	// groups recorded one.
	personPrefix = "i/p"
	// pointerFileCleanKey → the last commit whose record pointers the
	// pointer file holds, written when the store closed cleanly and
	// deleted when it opens (pointers.go).
	pointerFileCleanKey = "m/pointers-clean"
	// postingManifestKey → the posting runs in use (runset.go).
	postingManifestKey = "m/postings"
	// postingLogPrefix + seq → the block postings of one committed batch
	// not yet written to a run (runset.go).
	postingLogPrefix = "i/l"
	// tombstonePrefix + record ID → nothing: a deleted record, left out of
	// the posting runs (runset.go).
	tombstonePrefix = "i/t"
	// headPrefix + block and chunkPrefix + block + chunk number (4 bytes):
	// block members as a store before posting runs kept them, moved into
	// a run when it opens (postings.go).
	headPrefix  = "i/b"
	chunkPrefix = "i/c"
	// historyPrefix + source + version (4 bytes) → a withdrawn record and
	// when (history.go).
	historyPrefix = "i/w"
	// reidGroupPrefix + record ID / reidGroupSize → the sources of a
	// group of records, each sealed under the re-identification key
	// (reidsources.go).
	reidGroupPrefix = "i/y"
	// reidPrefix + record ID → a record's sealed source as stores before
	// the groups kept one, folded into the groups when the store opens
	// (migrateReidSources).
	reidPrefix = "i/x"
	// objectionPrefix + person → nothing: the person objected
	// (domainmembers.go).
	objectionPrefix = "i/o"
	// domainGroupPrefix + domain tag + person / personGroupSize → the
	// persons of a group of IDs that have records registered through that
	// domain, one bit each (domainmembers.go).
	domainGroupPrefix = "i/f"
	// domainMemberPrefix + domain tag + person → nothing: a domain's person
	// as stores before the groups kept one, folded into the groups when
	// the store opens (migrateDomainMembers).
	domainMemberPrefix = "i/d"
	// reviewPrefix + record ID → an open review item (reviews.go).
	reviewPrefix = "i/v"
	// changePrefix + seq → a person change (changes.go).
	changePrefix = "i/e"
)

// nameKey is prefix + a name.
func nameKey(prefix, name string) []byte {
	return append([]byte(prefix), name...)
}

// numKey is prefix + n.
func numKey(prefix string, n uint64) []byte {
	return appendNumKey(make([]byte, 0, len(prefix)+8), prefix, n)
}

// appendNumKey appends prefix + n to dst, so that a hot loop can reuse
// one buffer.
func appendNumKey(dst []byte, prefix string, n uint64) []byte {
	return binary.BigEndian.AppendUint64(append(dst, prefix...), n)
}

// memberKey is memberPrefix + person + id.
func memberKey(person, id uint64) []byte {
	return binary.BigEndian.AppendUint64(numKey(memberPrefix, person), id)
}

// chunkKey is chunkPrefix + block + chunk number.
func chunkKey(block uint64, chunk uint32) []byte {
	return binary.BigEndian.AppendUint32(numKey(chunkPrefix, block), chunk)
}
