package linkage

import "strings"

// phonetic is a coarse Dutch sound code for blocking: names that sound alike
// ("Janssen", "Jansen", "Janzen"; "Meijer", "Meyer", "Mijer") share a code,
// so a typo or spelling variant still finds its candidates. It works on the
// folded ASCII of identity's canonical names: it spells alike what sounds
// alike (appendSoundAlike), then keeps the first letter and the
// consonants after it, a run of one letter once, six letters at most.
func phonetic(name string) string {
	var buf [64]byte // room for most names without allocating
	s := appendSoundAlike(buf[:0], name)
	var code [6]byte
	n := 0
	var last byte
	for i, c := range s {
		if i > 0 && strings.IndexByte("aeiouy", c) >= 0 {
			continue // vowels after the first letter carry most spelling noise
		}
		if c == last {
			continue
		}
		code[n] = c
		n++
		last = c
		if n == len(code) {
			break
		}
	}
	return string(code[:n])
}

// appendSoundAlike appends name to dst spelled alike where it sounds
// alike:
//
//	eij, ij, ei, ey → y    ie → i    sch → s    ch → g    ck, c, q → k
//	ph, v, w → f    th, dt → t    oe → u    ou → au    z → s    x → ks
//
// and without spaces, hyphens and apostrophes. At each place the first
// rule of that list that matches is taken (eij before ei, ch before ck
// before c), as a strings.Replacer of them did: by hand, without the
// Replacer's trie walk, it costs a quarter (1.5% of registration's CPU
// at a million persons went to the Replacer).
func appendSoundAlike(dst []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		rest := name[i:]
		switch c := name[i]; c {
		case 'e':
			switch {
			case strings.HasPrefix(rest, "eij"):
				dst, i = append(dst, 'y'), i+2
			case strings.HasPrefix(rest, "ei"), strings.HasPrefix(rest, "ey"):
				dst, i = append(dst, 'y'), i+1
			default:
				dst = append(dst, c)
			}
		case 'i':
			switch {
			case strings.HasPrefix(rest, "ij"):
				dst, i = append(dst, 'y'), i+1
			case strings.HasPrefix(rest, "ie"):
				dst, i = append(dst, 'i'), i+1
			default:
				dst = append(dst, c)
			}
		case 's':
			if strings.HasPrefix(rest, "sch") {
				i += 2
			}
			dst = append(dst, 's')
		case 'c':
			switch {
			case strings.HasPrefix(rest, "ch"):
				dst, i = append(dst, 'g'), i+1
			case strings.HasPrefix(rest, "ck"):
				dst, i = append(dst, 'k'), i+1
			default:
				dst = append(dst, 'k')
			}
		case 'p':
			if strings.HasPrefix(rest, "ph") {
				dst, i = append(dst, 'f'), i+1
			} else {
				dst = append(dst, c)
			}
		case 't', 'd':
			if strings.HasPrefix(rest, "th") || strings.HasPrefix(rest, "dt") {
				dst, i = append(dst, 't'), i+1
			} else {
				dst = append(dst, c)
			}
		case 'o':
			switch {
			case strings.HasPrefix(rest, "oe"):
				dst, i = append(dst, 'u'), i+1
			case strings.HasPrefix(rest, "ou"):
				dst, i = append(dst, 'a', 'u'), i+1
			default:
				dst = append(dst, c)
			}
		case 'q':
			dst = append(dst, 'k')
		case 'z':
			dst = append(dst, 's')
		case 'v', 'w':
			dst = append(dst, 'f')
		case 'x':
			dst = append(dst, 'k', 's')
		case ' ', '-', '\'':
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
