package linkage

import (
	"bytes"
	"crypto/aes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"

	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/synth"
)

// TestSchemeOfNewAndOlderIndexes: a new store's index gets SchemeCMAC and
// keeps it, with the same key, when opened again; a store whose linkage
// keyring an older version made (under the scheme-1 name) keeps
// SchemeHMAC and that keyring's key, so its stored encodings still match.
func TestSchemeOfNewAndOlderIndexes(t *testing.T) {
	kek, err := keys.NewKEK(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()

	fresh := openStore(t, t.TempDir())
	defer fresh.Close()
	key, scheme, err := EncoderKey(ctx, fresh, kek, rand.Reader, now)
	if err != nil {
		t.Fatal(err)
	}
	if scheme != SchemeCMAC {
		t.Fatalf("a new index has scheme %d; want %d", scheme, SchemeCMAC)
	}
	again, schemeAgain, err := EncoderKey(ctx, fresh, kek, rand.Reader, now)
	if err != nil {
		t.Fatal(err)
	}
	if schemeAgain != scheme || !bytes.Equal(again, key) {
		t.Fatal("opened again, the index has another scheme or key")
	}

	older := openStore(t, t.TempDir())
	defer older.Close()
	ring, err := keys.NewKeyring(keyringNameHMAC, rand.Reader, now)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := ring.Seal(kek, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := older.Update(ctx, func(tx store.Tx) error { return tx.Keyrings().Create(keyringNameHMAC, sealed) }); err != nil {
		t.Fatal(err)
	}
	key, scheme, err = EncoderKey(ctx, older, kek, rand.Reader, now)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ring.DeriveSubkeyForServerUse(1, "person index encodings")
	if err != nil {
		t.Fatal(err)
	}
	if scheme != SchemeHMAC || !bytes.Equal(key, want) {
		t.Fatalf("an older index has scheme %d (want %d), or another key", scheme, SchemeHMAC)
	}
}

// TestSchemeEncodings: scheme 1 is HMAC-SHA256 of label ‖ 0 ‖ value, as
// stored encodings of older indexes were made; scheme 2 is AES-256-CMAC
// under the derived key; both truncate to the first 8 bytes,
// little-endian. The Bloom filters are the same in both schemes (so are
// the decisions); the equality encodings differ.
func TestSchemeEncodings(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	msg := []byte("family\x00jansen")

	mac := hmac.New(sha256.New, key)
	mac.Write(msg)
	wantHMAC := binary.LittleEndian.Uint64(mac.Sum(nil))
	h1 := NewEncoderOfScheme(key, SchemeHMAC).hasher()
	if got := h1.of("family", "jansen"); got != wantHMAC {
		t.Fatalf("scheme 1: %x; want HMAC-SHA256 %x", got, wantHMAC)
	}

	ck, err := hkdf.Key(sha256.New, key, nil, "ttp person index encodings: AES-256-CMAC key", 32)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newCMAC(ck)
	if err != nil {
		t.Fatal(err)
	}
	var tag [aes.BlockSize]byte
	wantCMAC := c.sum64(&tag, msg)
	h2 := NewEncoderOfScheme(key, SchemeCMAC).hasher()
	if got := h2.of("family", "jansen"); got != wantCMAC {
		t.Fatalf("scheme 2: %x; want AES-CMAC %x", got, wantCMAC)
	}
	if wantCMAC == wantHMAC {
		t.Fatal("the schemes agree: the test shows nothing")
	}

	k := newKit(t)
	recs := population(200, synth.DefaultProfile())
	k.enc = NewEncoderOfScheme(key, SchemeHMAC)
	one, _ := k.encode(recs)
	k.enc = NewEncoderOfScheme(key, SchemeCMAC)
	two, _ := k.encode(recs)
	for i := range one {
		f1, f2 := one[i].Features, two[i].Features
		if f1.FamilyBloom != f2.FamilyBloom || f1.FirstBloom != f2.FirstBloom || f1.GivenBloom != f2.GivenBloom {
			t.Fatalf("record %d: the Bloom filters differ between the schemes", i)
		}
		if f1.Family != 0 && f1.Family == f2.Family {
			t.Fatalf("record %d: the family name encodes alike in both schemes", i)
		}
		if len(one[i].Blocks) != len(two[i].Blocks) || one[i].Blocks[0] == two[i].Blocks[0] {
			t.Fatalf("record %d: blocking keys alike in both schemes, or not as many", i)
		}
	}
}
