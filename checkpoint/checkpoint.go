// Package checkpoint is the audit log's signed checkpoint: the size of the
// log's Merkle tree and its root hash, signed with the TTP's audit key. A
// supervisory committee keeps checkpoints; later the server must prove that
// its log still extends each of them (a consistency proof), which it cannot
// do once a record a checkpoint covers was changed or removed, whoever did
// it, even someone with the KEK and the store.
//
// The tree is RFC 6962's (SHA-256, leaves 0x00 ‖ record, nodes 0x01 ‖ left
// ‖ right), as golang.org/x/mod/sumdb/tlog computes it; a checkpoint is a
// signed note (golang.org/x/mod/sumdb/note, Ed25519) whose text is laid out
// as C2SP's tlog-checkpoint:
//
//	<origin>
//	<tree size, decimal>
//	<root hash, base64>
//
//	— <origin> <base64 key hash and signature>
//
// The origin is the audit key's name, so that a checkpoint names the log
// it is of, and a key signs checkpoints of one log only. The server and the
// committee's client share this package; it holds no server state.
package checkpoint

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ttpnl/ttp/secretfile"
)

// Checkpoint is a tree of the log: its size (the number of records) and
// root hash.
type Checkpoint struct {
	Origin string
	Size   uint64
	Hash   tlog.Hash
}

// Text is the checkpoint's note text, as signed.
func (c Checkpoint) Text() string {
	return fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, c.Hash)
}

// ErrMalformed reports a checkpoint text that is not laid out as Text
// writes it.
var ErrMalformed = errors.New("checkpoint: malformed")

// parse reads a checkpoint's text. Lines after the third (C2SP extension
// lines) are allowed and ignored.
func parse(text string) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return Checkpoint{}, fmt.Errorf("%w: want an origin, a tree size and a root hash, one a line", ErrMalformed)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || size > maxSize || lines[1] != strconv.FormatUint(size, 10) {
		return Checkpoint{}, fmt.Errorf("%w: the tree size is not a decimal number", ErrMalformed)
	}
	hash, err := tlog.ParseHash(lines[2])
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: the root hash is not 32 bytes in base64", ErrMalformed)
	}
	return Checkpoint{Origin: lines[0], Size: size, Hash: hash}, nil
}

// Sign returns c as a note signed by s, whose name must be c's origin.
func Sign(c Checkpoint, s note.Signer) ([]byte, error) {
	if s.Name() != c.Origin {
		return nil, fmt.Errorf("checkpoint: key %q cannot sign a checkpoint of log %q", s.Name(), c.Origin)
	}
	return note.Sign(&note.Note{Text: c.Text()}, s)
}

// Open verifies a signed checkpoint with the log's verifier key and
// returns it. A signature by another key, a changed text or a checkpoint
// of another log is an error.
func Open(signed []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unverified) {
			return Checkpoint{}, fmt.Errorf("checkpoint: not signed by the audit key %s", v.Name())
		}
		return Checkpoint{}, fmt.Errorf("checkpoint: signature does not verify with the audit key %s: %w", v.Name(), err)
	}
	c, err := parse(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("checkpoint: of log %q, not of %q, which the key is for", c.Origin, v.Name())
	}
	return c, nil
}

// ErrInconsistent reports a proof that does not show what it should: the
// log was changed or cut short after the older checkpoint, or the record
// is not the one the tree holds.
var ErrInconsistent = errors.New("the audit log does not extend the checkpoint")

// CheckConsistency checks that proof shows the tree of newer to extend
// the tree of older: every record older covers is in newer, unchanged.
func CheckConsistency(older, newer Checkpoint, proof tlog.TreeProof) error {
	switch {
	case older.Origin != newer.Origin:
		return fmt.Errorf("checkpoints of two logs, %q and %q", older.Origin, newer.Origin)
	case newer.Size < older.Size:
		return fmt.Errorf("%w: it has %d records, fewer than the %d of the checkpoint: records were removed", ErrInconsistent, newer.Size, older.Size)
	case older.Size == 0:
		return nil // the empty tree is a prefix of every tree
	}
	if err := tlog.CheckTree(proof, int64(newer.Size), newer.Hash, int64(older.Size), older.Hash); err != nil {
		return fmt.Errorf("%w: its first %d records are not those of the checkpoint: records were changed or removed", ErrInconsistent, older.Size)
	}
	return nil
}

// CheckInclusion checks that proof shows record, the seq'th (from 1), to
// be in the tree of c, byte for byte.
func CheckInclusion(c Checkpoint, seq uint64, record []byte, proof tlog.RecordProof) error {
	if seq < 1 || seq > c.Size {
		return fmt.Errorf("record %d is not in a checkpoint of %d records", seq, c.Size)
	}
	if err := tlog.CheckRecord(proof, int64(c.Size), c.Hash, int64(seq-1), tlog.RecordHash(record)); err != nil {
		return fmt.Errorf("%w: record %d as the server gives it is not the one in the tree", ErrInconsistent, seq)
	}
	return nil
}

// maxKeyFile bounds a key file's size: a key is one short line.
const maxKeyFile = 1 << 10

// Key is the server's audit key: the signer, and the verifier key that it
// publishes.
type Key struct {
	Signer   note.Signer
	Verifier string
}

// ReadKey reads the signer key in the file at path, which must be
// accessible by its owner only, as the KEK's is. Errors never show the key.
func ReadKey(path string) (*Key, error) {
	content, err := secretfile.Read(path, maxKeyFile)
	defer clear(content)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	bad := fmt.Errorf("audit key %s: not a signer key (one line PRIVATE+KEY+NAME+..., as ttp audit keygen writes it)", path)
	skey := string(bytes.TrimSpace(content))
	s, err := note.NewSigner(skey)
	if err != nil || len(content) > maxKeyFile {
		return nil, bad
	}
	// The key is PRIVATE+KEY+name+hash+base64(algorithm byte ‖ Ed25519
	// seed): the verifier key is the seed's public key under the same name.
	// (base64 has + in its alphabet: the key is what follows the fourth).
	parts := strings.SplitN(skey, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(parts[len(parts)-1])
	defer clear(raw)
	if err != nil || len(raw) != 1+ed25519.SeedSize {
		return nil, bad
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(s.Name(), pub)
	if err != nil {
		return nil, bad
	}
	return &Key{Signer: s, Verifier: vkey}, nil
}

// ReadVerifier reads the verifier key in the file at path.
func ReadVerifier(path string) (note.Verifier, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit verifier key: %w", err)
	}
	v, err := note.NewVerifier(string(bytes.TrimSpace(content)))
	if err != nil {
		return nil, fmt.Errorf("audit verifier key %s: not a verifier key (one line NAME+HASH+KEY, as ttp audit keygen writes it)", path)
	}
	return v, nil
}

// WriteKeyFiles makes a new audit key pair for the log named name and
// writes the signer key to signerPath (mode 0600, never over a file that
// exists) and the verifier key to verifierPath.
func WriteKeyFiles(name, signerPath, verifierPath string) error {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return fmt.Errorf("audit key: %w", err)
	}
	if err := secretfile.WriteNew(signerPath, []byte(skey+"\n")); err != nil {
		return fmt.Errorf("audit key: %w", err)
	}
	return os.WriteFile(verifierPath, []byte(vkey+"\n"), 0o644)
}
