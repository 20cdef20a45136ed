package conversion

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/linkage"
)

func domain(t *testing.T, name string) *domains.Domain {
	ring, err := keys.NewKeyring(name, rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &domains.Domain{Name: name, Keyring: ring}
}

func cipher(t *testing.T, d *domains.Domain, v keys.Version) *keys.PersonCipher {
	pc, err := d.Keyring.PersonCipher(v)
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

func TestConvert(t *testing.T) {
	nkr, nhr, project := domain(t, "nkr"), domain(t, "nhr"), domain(t, "project-1-aa")
	nkr.Keyring.Rotate(rand.Reader, time.Now())
	key, err := seal.NewDeliveryKey(1, seal.ProjectKey, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	// Person 5 was merged into 6, and 6 into 9; person 11 was withdrawn.
	c, err := New(nkr, Target{project, key}, nil, linkage.NewSurvivors(map[uint64]uint64{5: 6, 6: 9}, 11))
	if err != nil {
		t.Fatal(err)
	}
	want := cipher(t, project, 1)
	for _, tc := range []struct {
		name      string
		pseudonym string
		person    uint64
	}{
		{"current version", cipher(t, nkr, 2).Pseudonym(3), 3},
		{"older version", cipher(t, nkr, 1).Pseudonym(3), 3},
		{"merged twice", cipher(t, nkr, 2).Pseudonym(5), 9},
	} {
		cell, comm, p := c.Row(tc.pseudonym)
		if p != nil || comm != "" {
			t.Fatalf("%s: %v (communication %q without a communication file)", tc.name, p, comm)
		}
		got, err := key.Open(cell)
		if err != nil || got != want.Pseudonym(tc.person) {
			t.Errorf("%s: opened %q (%v), want person %d's project pseudonym", tc.name, got, err, tc.person)
		}
		if got == tc.pseudonym {
			t.Errorf("%s: the project pseudonym is the registry's", tc.name)
		}
	}
	field, _ := nkr.Keyring.Pseudonymizer(1)
	for _, tc := range []struct {
		name      string
		pseudonym string
		code      identity.Code
	}{
		{"another domain's", cipher(t, nhr, 1).Pseudonym(3), CodeNotOfDomain},
		{"a field pseudonym", field.Pseudonym("bsn", "123456782"), CodeNotOfDomain},
		{"no pseudonym", "Jansen", CodeMalformed},
		{"version 3", "v3." + cipher(t, nkr, 1).Pseudonym(3)[3:], CodeUnknownVersion},
		{"withdrawn", cipher(t, nkr, 2).Pseudonym(11), CodeWithheld},
	} {
		cell, _, p := c.Row(tc.pseudonym)
		if p == nil || p.Code != tc.code || cell != "" {
			t.Errorf("%s: cell %q, problem %v; want %s", tc.name, cell, p, tc.code)
		}
	}
}

// With a communication file each row gets a second pseudonym, in another
// domain under another key: unrelated to the project pseudonym, and not
// opened by the project key.
func TestConvertWithCommunication(t *testing.T) {
	nkr, project, contact := domain(t, "nkr"), domain(t, "project-1-aa"), domain(t, "contact-1-bb")
	pkey, _ := seal.NewDeliveryKey(1, seal.ProjectKey, bytes.Repeat([]byte{7}, 32))
	ckey, _ := seal.NewDeliveryKey(1, seal.CommunicationKey, bytes.Repeat([]byte{8}, 32))
	c, err := New(nkr, Target{project, pkey}, &Target{contact, ckey}, linkage.NewSurvivors(nil))
	if err != nil {
		t.Fatal(err)
	}
	pcell, ccell, p := c.Row(cipher(t, nkr, 1).Pseudonym(4))
	if p != nil {
		t.Fatal(p)
	}
	pp, err1 := pkey.Open(pcell)
	cp, err2 := ckey.Open(ccell)
	if err1 != nil || err2 != nil || pp != cipher(t, project, 1).Pseudonym(4) || cp != cipher(t, contact, 1).Pseudonym(4) || tail(pp) == tail(cp) {
		t.Fatalf("project %q (%v), communication %q (%v)", pp, err1, cp, err2)
	}
	if _, err := pkey.Open(ccell); err == nil {
		t.Fatal("the project key opened a communication cell")
	}
}

func tail(p string) string { return p[strings.IndexByte(p, '.')+1:] }
