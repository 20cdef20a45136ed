// Package reid keeps what re-identification through the data holder needs
// (seed 003: coded data means the supplier keeps the key that
// re-identifies). For a domain whose policy allows it, the person index
// keeps each record's source (the hospital's AGB code and patient number)
// sealed under a re-identification key of its own, apart from the KEK. A
// registry that must reach a patient asks, with a reason, for its person
// pseudonyms to be re-identified; two committee members approve; the TTP
// then gives each supplying hospital, and only it, its own patient numbers
// for those persons, sealed to that hospital's registered key. The
// registry learns that it was done, nothing else.
package reid

import (
	"encoding/binary"
	"errors"
	"io"
	"strings"

	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/reidanswer"
)

// Key seals and opens records' sources. It is a KEK-like key of its own
// (keys.KEK: AES-256-GCM), loaded from its own file, so that whoever holds
// the KEK and the store cannot read where records came from.
type Key struct{ k *keys.KEK }

// LoadKey reads the re-identification key file (64 hex characters, mode
// 0600, as the KEK).
func LoadKey(path string) (*Key, error) {
	k, err := keys.LoadKEKFile(path)
	if err != nil {
		return nil, err
	}
	return &Key{k: k}, nil
}

// aad binds a sealed source to its record, so that one record's source
// cannot be passed off as another's.
func aad(record uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("ttp/v1 reid source "), record)
}

// SealSource seals record's source (as linkage.SourceOf names it).
func (k *Key) SealSource(record uint64, source string, rand io.Reader) ([]byte, error) {
	return k.k.Wrap([]byte(source), aad(record), rand)
}

// OpenSource opens record's sealed source.
func (k *Key) OpenSource(record uint64, sealed []byte) (Source, error) {
	b, err := k.k.Unwrap(sealed, aad(record))
	if err != nil {
		return Source{}, err
	}
	return ParseSource(string(b))
}

// Source is where a record came from: its organisation, and the record as
// the hospital named it.
type Source struct {
	Organisation string
	reidanswer.Patient
}

var errSource = errors.New("reid: malformed sealed source")

// ParseSource reads a source as linkage.SourceOf writes it.
func ParseSource(s string) (Source, error) {
	parts := strings.Split(s, "\x00")
	switch {
	case len(parts) == 3 && parts[0] == "patient":
		agb, number, ok := strings.Cut(parts[2], ":")
		if !ok {
			return Source{}, errSource
		}
		return Source{Organisation: parts[1], Patient: reidanswer.Patient{AGB: agb, PatientNumber: number}}, nil
	case len(parts) == 4 && parts[0] == "row":
		return Source{Organisation: parts[1], Patient: reidanswer.Patient{File: parts[2], Row: parts[3]}}, nil
	}
	return Source{}, errSource
}

// String names the record for a clerk: "organisation: agb/patient number"
// or "organisation: file row N".
func (s Source) String() string {
	if s.PatientNumber != "" {
		return s.Organisation + ": " + s.AGB + "/" + s.PatientNumber
	}
	return s.Organisation + ": " + s.File + " row " + s.Row
}
