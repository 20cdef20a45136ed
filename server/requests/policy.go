package requests

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// Class is how directly a variable identifies a patient, after the NKR
// assessment framework's table 2 (seed 003).
type Class string

const (
	// Anonymous: describes the tumour or its treatment (topography, stage,
	// age at diagnosis). May be delivered without the committee's advice.
	Anonymous Class = "A"
	// Indirect: identifies in combination (sex, birth year, year of
	// incidence, a date of treatment).
	Indirect Class = "B"
	// Direct: identifies on its own (name, address, full postcode, full
	// birth date, a hospital's patient number).
	Direct Class = "C"
)

func (c Class) valid() bool { return c == Anonymous || c == Indirect || c == Direct }

// rank orders classes from least to most identifying.
func (c Class) rank() int { return slices.Index([]Class{Anonymous, Indirect, Direct}, c) }

// Policy says how variables are classified and what approval a request
// needs. The configuration names a policy file (request_policy_file);
// without one the default, DefaultPolicy, applies.
type Policy struct {
	// Classes classifies variables by name. A request declares a class for
	// each variable it asks for; where the policy classifies the variable
	// higher, the policy's class counts: an applicant cannot declassify.
	Classes map[string]Class `json:"classes"`
}

//go:embed default-policy.json
var defaultPolicy []byte

// DefaultPolicy is the policy shipped with the server: table 2's examples.
func DefaultPolicy() *Policy {
	p, err := parsePolicy(defaultPolicy)
	if err != nil {
		panic("requests: the embedded default policy is invalid: " + err.Error())
	}
	return p
}

// LoadPolicy reads a policy file.
func LoadPolicy(path string) (*Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := parsePolicy(b)
	if err != nil {
		return nil, fmt.Errorf("request policy %s: %w", path, err)
	}
	return p, nil
}

func parsePolicy(b []byte) (*Policy, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	for name, c := range p.Classes {
		if !c.valid() {
			return nil, fmt.Errorf("variable %q: class %q; want A, B or C", name, c)
		}
	}
	return &p, nil
}

// Class returns the class that counts for a variable declared as declared.
func (p *Policy) Class(name string, declared Class) Class {
	if c, ok := p.Classes[name]; ok && c.rank() > declared.rank() {
		return c
	}
	return declared
}

// Approvals is how many distinct committee members must approve r:
// one for anonymous and indirectly identifying variables from one source;
// two (four eyes) for a directly identifying variable, a communication
// file, or more than one source: the requests that seed 003 (§8.2) puts
// before the whole committee; and two for every re-identification
// (DESIGN §7).
func (p *Policy) Approvals(r *Request) int {
	if r.Kind == KindReid || r.Communication || len(r.Sources) > 1 {
		return 2
	}
	for _, v := range r.Variables {
		if p.Class(v.Name, v.Class) == Direct {
			return 2
		}
	}
	return 1
}
