// Package keys holds the TTP's secret keys and the pseudonym function built
// on them.
//
// A pseudonym is a keyed hash of one identifying field:
//
//	tag       = HMAC-SHA256(K[domain, version], "ttp/v1" ‖ 0x00 ‖ field ‖ 0x00 ‖ value)[:16]
//	pseudonym = "v" ‖ decimal(version) ‖ "." ‖ lowercase-unpadded-base32(tag)
//
// for example "v1.vbe3q7kzm5oosyro6ymc5ckpcy". docs/pseudonyms.md is the
// normative specification, with test vectors that can be reproduced with
// openssl and coreutils.
//
// # Key management
//
// There are two kinds of key.
//
// A [Keyring] holds the pseudonym keys of one domain (one registry): one
// independent 32-byte random key per version. Versions start at 1 and only
// grow; [Keyring.Rotate] adds a version and makes it current. Old versions are
// never deleted, because pseudonyms issued under them must stay verifiable and
// convertible. Every pseudonym carries its version, so a recipient can see
// when keys changed.
//
// The [KEK] (key-encryption key) protects the keyrings at rest. It is read
// from a file of mode 0600 ([LoadKEKFile]) and never stored next to the data
// it protects. [Keyring.Seal] wraps every version key under the KEK with
// AES-256-GCM, binding domain and version into the associated data, so a
// wrapped key cannot be moved to another domain or version unnoticed.
// [KEK.DeriveStoreKey] derives the storage engine's own encryption-at-rest key
// from the KEK, so one secret file unlocks everything and nothing else does.
//
// Key bytes never appear in errors, log lines, panics or formatted output:
// [KEK], [Keyring] and [Pseudonymizer] print as redacted descriptions under
// every fmt verb and as slog values. Randomness always comes from an
// injected io.Reader (crypto/rand.Reader in production) so tests are
// deterministic.
//
// # Compatibility
//
// The pseudonym function, the text form, the key-wrapping format and the
// sealed-keyring format are fixed for "ttp/v1": a given key, field and value
// produce the same pseudonym in every release, and every release opens
// keyrings sealed by earlier releases. A change to any of these gets a new
// label ("ttp/v2") or format version byte and is introduced next to the old
// one, never in place of it. The test vectors in
// testdata/vectors/pseudonyms.json pin this promise.
//
// The Go API itself follows the module's version like any other package.
package keys
