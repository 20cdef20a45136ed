// Package reidanswer is what a hospital receives for a re-identification
// through the data holder (server/reid): the request, its reason, and the
// hospital's own records of the persons, sealed to the hospital's broker's
// registered key. It is shared by the server, which seals answers, and
// ttp reid fetch, which opens them; neither imports the other.
package reidanswer

import (
	"fmt"

	"github.com/ttpnl/ttp/seal"
)

// Answer is one sealed answer's content.
type Answer struct {
	Request  uint64    `json:"request"`
	Reason   string    `json:"reason"`
	Patients []Patient `json:"patients"`
}

// Patient names a record as the hospital sent it: its AGB code and patient
// number, or the file name and row it was linked under.
type Patient struct {
	AGB           string `json:"agb,omitempty"`
	PatientNumber string `json:"patient_number,omitempty"`
	File          string `json:"file,omitempty"`
	Row           string `json:"row,omitempty"`
}

// Info is the HPKE info of request's answers.
func Info(request uint64) []byte {
	return seal.Info(fmt.Sprintf("reid-%d", request), "answer")
}

// MaxPatients bounds the patients of one sealed answer, so that it stays
// within seal.MaxPlaintext with a reason of at most MaxReason bytes.
const (
	MaxPatients = 20
	MaxReason   = 1000
)
