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
//
// A request with a communication file has a second key, for the
// communication pseudonyms (another domain of the request): its cells start
// with "c1." and its additional data says "communication", so a cell of one
// kind never opens as the other. The research file and the communication
// file share no column, and nobody but the TTP can relate their rows.
type DeliveryKey struct {
	request uint64
	kind    DeliveryKind
	aead    cipher.AEAD
}

// DeliveryKind is what a delivery key seals.
type DeliveryKind int

const (
	// ProjectKey seals project pseudonyms: the research file's.
	ProjectKey DeliveryKind = iota
	// CommunicationKey seals communication pseudonyms: the communication
	// file's.
	CommunicationKey
)

// prefix is the cell prefix of the kind.
func (k DeliveryKind) prefix() string {
	if k == CommunicationKey {
		return "c1"
	}
	return "p1"
}

func (k DeliveryKind) label() string {
	if k == CommunicationKey {
		return "communication"
	}
	return "project"
}

// DeliveryKeySize is the length of a delivery key.
const DeliveryKeySize = 32

// ErrNotDelivery is returned for a cell that is not a sealed project or
// communication pseudonym.
var ErrNotDelivery = errors.New("seal: not a sealed project pseudonym")

// NewDeliveryKey returns request's key of kind from its 32 bytes.
func NewDeliveryKey(request uint64, kind DeliveryKind, key []byte) (*DeliveryKey, error) {
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
	return &DeliveryKey{request: request, kind: kind, aead: aead}, nil
}

// DeliveryKeyInfo is the HPKE info under which a request's delivery key of
// kind is sealed to its recipient.
func DeliveryKeyInfo(request uint64, kind DeliveryKind) []byte {
	return Info(kind.label()+"-"+strconv.FormatUint(request, 10), "delivery_key")
}

func (k *DeliveryKey) additionalData() []byte {
	return strconv.AppendUint([]byte("ttp/v1 "+k.kind.label()+" pseudonym "), k.request, 10)
}

// Seal seals a project pseudonym into a cell.
func (k *DeliveryKey) Seal(pseudonym string) string {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(pseudonym)+k.aead.Overhead())
	rand.Read(nonce)
	ct := k.aead.Seal(nonce, nonce, []byte(pseudonym), k.additionalData())
	return k.kind.prefix() + "." + strconv.FormatUint(k.request, 10) + "." + b64.EncodeToString(ct)
}

// Open opens a cell sealed with k.
func (k *DeliveryKey) Open(cell string) (string, error) {
	request, kind, data, err := splitDeliveryCell(cell)
	if err != nil {
		return "", err
	}
	if request != k.request || kind != k.kind {
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

// DeliveryRequest returns the request and the kind of key a sealed cell
// belongs to, so that the recipient knows which key to fetch.
func DeliveryRequest(cell string) (uint64, DeliveryKind, error) {
	request, kind, _, err := splitDeliveryCell(cell)
	return request, kind, err
}

func splitDeliveryCell(cell string) (uint64, DeliveryKind, string, error) {
	if len(cell) > 256 {
		return 0, 0, "", ErrNotDelivery
	}
	kind := ProjectKey
	rest, ok := strings.CutPrefix(cell, ProjectKey.prefix()+".")
	if !ok {
		kind = CommunicationKey
		if rest, ok = strings.CutPrefix(cell, CommunicationKey.prefix()+"."); !ok {
			return 0, 0, "", ErrNotDelivery
		}
	}
	num, data, ok := strings.Cut(rest, ".")
	if !ok || num == "" || num[0] == '0' || len(num) > 20 {
		return 0, 0, "", ErrNotDelivery
	}
	request, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return 0, 0, "", ErrNotDelivery
	}
	return request, kind, data, nil
}
