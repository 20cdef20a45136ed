package identity

import (
	_ "embed"
	"strings"
)

// callnames.txt is the vocabulary of Dutch call names (roepnamen): each
// line an official given name and the names people are called by instead.
//
//go:embed callnames.txt
var callNamesText string

// callNameGroups maps every name of the vocabulary, official or call name,
// folded, to the official name of its line.
var callNameGroups = func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(callNamesText, "\n") {
		line, _, _ = strings.Cut(line, "#")
		official, calls, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		official = strings.TrimSpace(official)
		if _, dup := m[official]; !dup {
			m[official] = official
		}
		for _, c := range strings.Split(calls, ",") {
			if c = strings.TrimSpace(c); c != "" {
				if _, dup := m[c]; !dup { // a call name of several names keeps its first line
					m[c] = official
				}
			}
		}
	}
	return m
}()

// CallNameGroup returns the official name a folded given name is a call
// name of, or the name itself when it is official ("kees" and "cornelis"
// give "cornelis"); "" for a name outside the vocabulary.
func CallNameGroup(name string) string {
	return callNameGroups[name]
}
