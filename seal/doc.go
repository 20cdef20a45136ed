// Package seal encrypts values to a recipient with HPKE (RFC 9180), so that
// whoever carries them, a broker or a file on a share, cannot read them.
// `ttp code -seal-to RECIPIENT` uses it to write pseudonym columns that only
// the named recipient (a registry, a researcher) can open.
//
// # Suites
//
// Two HPKE suites, from Go's crypto/hpke, both with HKDF-SHA256 and
// AES-256-GCM:
//
//	x25519           DHKEM(X25519, HKDF-SHA256)       KEM 0x0020
//	mlkem768x25519   ML-KEM-768 + X25519 (X-Wing)     KEM 0x647a, draft-ietf-hpke-pq
//
// The hybrid suite stays secure as long as either ML-KEM-768 or X25519 does,
// so values sealed today survive a future quantum computer that breaks
// X25519; health data stays sensitive for decades, so it is the default
// choice for new recipients. It costs size: a sealed value carries a
// 1120-byte encapsulation (about 1.5 kB of text per cell) against 32 bytes
// for x25519.
//
// AES-256-GCM rather than ChaCha20-Poly1305 or AES-128-GCM: a 256-bit key
// keeps a post-quantum margin against Grover's algorithm, it is the cipher
// the rest of the TTP already uses for key wrapping, and it is hardware
// accelerated on every server the TTP runs on. HPKE single-shot mode derives
// a fresh key and nonce per value, so GCM's nonce-reuse hazard does not arise.
//
// # Formats
//
// Keys are single lines of text, for files and configuration:
//
//	ttp-recipient-pub-v1:<suite>:<base64url(SerializePublicKey)>
//	ttp-recipient-priv-v1:<suite>:<base64url(SerializePrivateKey)>
//
// base64url is RFC 4648 §5 without padding. A private key is 32 bytes in
// both suites (an X25519 scalar; the X-Wing seed). A sealed value is one CSV
// cell:
//
//	s1.<suite>.<base64url(enc ‖ ciphertext)>
//
// where enc is the KEM encapsulation and ciphertext the AES-256-GCM output
// (plaintext plus a 16-byte tag) of HPKE base mode with no AAD. The info
// string binds the value to its context: [Info] gives
// "ttp/v1 seal" ‖ 0x00 ‖ domain ‖ 0x00 ‖ field, so a value moved to another
// column or domain fails to open. Parsing is strict: every key and value
// has exactly one text form.
//
// # Errors
//
// [Open] distinguishes a malformed value ([ErrMalformed]), a value sealed
// for another suite than the key's ([ErrWrongSuite]) and a value that does
// not authenticate ([ErrOpen]: wrong private key, altered, or moved to
// another column). No error repeats the value, the plaintext or key bytes.
//
// # Key management
//
// The recipient generates its key pair itself ([GenerateKey], `ttp keygen`)
// and keeps the private key; only the public key ever travels. The TTP
// registers recipients' public keys and never holds their private keys, so
// neither the TTP nor a broker can open sealed values after sealing them.
//
// The private key file is created with mode 0600 and never overwritten
// ([WritePrivateKeyFile]); [ReadPrivateKeyFile] refuses a file that other
// accounts can read, like the TTP's own KEK file. Losing the private key
// loses every value sealed to it: the recipient backs it up as it would any
// decryption key. To rotate, the recipient generates a new pair and
// registers the new public key; values sealed earlier still need the old
// private key, so it is kept until those values have been re-sealed or are
// no longer needed. Compare public keys by [PublicKey.Fingerprint] when
// registering one over the phone or in a ticket.
//
// Private keys print as redacted descriptions under every fmt verb and as
// slog values; only [PrivateKey.Encode] reveals them.
package seal
