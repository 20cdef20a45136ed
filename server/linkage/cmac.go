package linkage

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
)

// cmac is AES-CMAC (NIST SP 800-38B, RFC 4493): the keyed hash of the
// index's equality encodings and blocking keys since encoding scheme 2
// (SchemeCMAC). A record's ~25 of them cost an HMAC-SHA256 each before,
// about 0.4 µs, most of it the hash's set-up and finish for a message of a
// block or two; CMAC of such a message is two or three AES block
// encryptions, about 0.1 µs. It is a PRF like HMAC, and its output is
// truncated the same way (see hasher.of). Safe for concurrent use.
type cmac struct {
	block  cipher.Block
	k1, k2 [aes.BlockSize]byte // the subkeys for a full and a padded last block
}

// newCMAC returns AES-CMAC under key (16, 24 or 32 bytes: AES-128, -192 or
// -256).
func newCMAC(key []byte) (*cmac, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	c := &cmac{block: b}
	var l [aes.BlockSize]byte
	b.Encrypt(l[:], l[:])
	c.k1 = double(l)
	c.k2 = double(c.k1)
	return c, nil
}

// double multiplies x by 2 in GF(2^128), as CMAC's subkeys are made.
func double(x [aes.BlockSize]byte) [aes.BlockSize]byte {
	var d [aes.BlockSize]byte
	for i := range aes.BlockSize - 1 {
		d[i] = x[i]<<1 | x[i+1]>>7
	}
	// The constant of the field's polynomial, folded in when the top bit
	// was set: computed, not branched on, so the time does not tell.
	d[aes.BlockSize-1] = x[aes.BlockSize-1]<<1 ^ byte(subtle.ConstantTimeByteEq(x[0]>>7, 1))*0x87
	return d
}

// sum sets x to the tag of msg. The caller owns x: a block passed to
// cipher.Block, an interface, escapes, and would cost an allocation per
// tag if it were sum's own.
func (c *cmac) sum(x *[aes.BlockSize]byte, msg []byte) {
	*x = [aes.BlockSize]byte{}
	for len(msg) > aes.BlockSize {
		subtle.XORBytes(x[:], x[:], msg[:aes.BlockSize])
		c.block.Encrypt(x[:], x[:])
		msg = msg[aes.BlockSize:]
	}
	// The last block: whole, with k1; or padded with 10*, with k2 (also
	// the empty message).
	k := &c.k1
	if len(msg) < aes.BlockSize {
		k = &c.k2
		x[len(msg)] ^= 0x80
	}
	subtle.XORBytes(x[:], x[:], msg)
	subtle.XORBytes(x[:], x[:], k[:])
	c.block.Encrypt(x[:], x[:])
}

// sum64 is the tag's first 8 bytes, little-endian, as hasher.of takes them.
func (c *cmac) sum64(x *[aes.BlockSize]byte, msg []byte) uint64 {
	c.sum(x, msg)
	return binary.LittleEndian.Uint64(x[:8])
}
