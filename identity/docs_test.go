package identity

import (
	"os"
	"regexp"
	"sort"
	"testing"
)

// TestProblemCodesDoc keeps docs/problem-codes.md in step with Codes: the
// document's table must list exactly the codes of the package, once each.
func TestProblemCodesDoc(t *testing.T) {
	doc, err := os.ReadFile("../docs/problem-codes.md")
	if err != nil {
		t.Fatal(err)
	}
	// A table row starts with "| F-101 |" (or "| `F-101` |").
	row := regexp.MustCompile("(?m)^\\|\\s*`?((?:BF|BW|F|W)-\\d{3})`?\\s*\\|")
	documented := map[string]int{}
	for _, m := range row.FindAllSubmatch(doc, -1) {
		documented[string(m[1])]++
	}
	var missing, extra []string
	for _, c := range Codes {
		switch documented[string(c.Code)] {
		case 0:
			missing = append(missing, string(c.Code))
		case 1:
		default:
			t.Errorf("%s documented %d times", c.Code, documented[string(c.Code)])
		}
		delete(documented, string(c.Code))
	}
	for c := range documented {
		extra = append(extra, c)
	}
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("codes missing from docs/problem-codes.md: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("docs/problem-codes.md lists codes the package does not have: %v", extra)
	}
}
