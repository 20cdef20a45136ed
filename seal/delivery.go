package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"strconv"
	"strings"
)

// A DeliveryKey seals the project pseudonyms of one linkage request.
//
// Sealing each cell with HPKE would cost a KEM operation per row (tens of
// microseconds, and 1.1 kB per cell with the hybrid suite): too slow and too
// large for a registry's file of millions of rows. So the TTP makes one
// random 32-byte key per request, seals every project pseudonym of the
// request with it (AES-256-GCM), and hands the key only to the request's
// recipient, itself sealed with HPKE to the recipient's registered public
// key ([Seal] with [DeliveryKeyInfo]). The registry that forwards the cells
// holds neither. A cell is
//
//	p1.<request>.<base64url(nonce ‖ ciphertext)>
//
// with a random 12-byte nonce and the request number (decimal) as additional
// data, so a cell moved to another request's file does not open.
type DeliveryKey struct {
	request uint64
	aead    cipher.AEAD
}

// DeliveryKeySize is the length of a delivery key.
const DeliveryKeySize = 32

const deliveryPrefix = "p1"

// ErrNotDelivery is returned for a cell that is not a sealed project
// pseudonym.
var ErrNotDelivery = errors.New("seal: not a sealed project pseudonym")

// NewDeliveryKey returns request's key from its 32 bytes.
func NewDeliveryKey(request uint64, key []byte) (*DeliveryKey, error) {
	if len(key) != DeliveryKeySize {
		return nil, errors.New("seal: a delivery key is 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &DeliveryKey{request: request, aead: aead}, nil
}

// DeliveryKeyInfo is the HPKE info under which a request's delivery key is
// sealed to its recipient.
func DeliveryKeyInfo(request uint64) []byte {
	return Info("project-"+strconv.FormatUint(request, 10), "delivery_key")
}

func (k *DeliveryKey) additionalData() []byte {
	return strconv.AppendUint([]byte("ttp/v1 project pseudonym "), k.request, 10)
}

// Seal seals a project pseudonym into a cell.
func (k *DeliveryKey) Seal(pseudonym string) string {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(pseudonym)+k.aead.Overhead())
	rand.Read(nonce)
	ct := k.aead.Seal(nonce, nonce, []byte(pseudonym), k.additionalData())
	return deliveryPrefix + "." + strconv.FormatUint(k.request, 10) + "." + b64.EncodeToString(ct)
}

// Open opens a cell sealed with k.
func (k *DeliveryKey) Open(cell string) (string, error) {
	request, data, err := splitDeliveryCell(cell)
	if err != nil {
		return "", err
	}
	if request != k.request {
		return "", ErrOpen
	}
	b, err := decodeStrict(data)
	if err != nil || len(b) < k.aead.NonceSize()+k.aead.Overhead() {
		return "", ErrNotDelivery
	}
	n := k.aead.NonceSize()
	pt, err := k.aead.Open(nil, b[:n], b[n:], k.additionalData())
	if err != nil {
		return "", ErrOpen
	}
	return string(pt), nil
}

// DeliveryRequest returns the request a sealed project pseudonym belongs
// to, so that the recipient knows which key to fetch.
func DeliveryRequest(cell string) (uint64, error) {
	request, _, err := splitDeliveryCell(cell)
	return request, err
}

func splitDeliveryCell(cell string) (uint64, string, error) {
	if len(cell) > 256 {
		return 0, "", ErrNotDelivery
	}
	rest, ok := strings.CutPrefix(cell, deliveryPrefix+".")
	if !ok {
		return 0, "", ErrNotDelivery
	}
	num, data, ok := strings.Cut(rest, ".")
	if !ok || num == "" || num[0] == '0' || len(num) > 20 {
		return 0, "", ErrNotDelivery
	}
	request, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return 0, "", ErrNotDelivery
	}
	return request, data, nil
}
