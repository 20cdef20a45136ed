package identity

// ParseBSN validates a burgerservicenummer and returns its canonical form:
// exactly 9 digits. Spaces, dots and hyphens are layout and are dropped.
// An 8-digit number is a BSN whose leading zero was lost (typically by a
// spreadsheet); it is padded and reported with W-101.
func ParseBSN(s string) (string, *Problem) {
	c, code := canonicalBSN(s)
	return c, problemPtr(FieldBSN, code)
}

func canonicalBSN(s string) (string, Code) {
	s = trimASCIISpace(s)
	// Fast path: already 9 plain digits, return s without copying.
	if len(s) == 9 && allDigits(s) {
		if code := checkBSN(s); code != "" {
			return "", code
		}
		return s, ""
	}
	var buf [9]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if n < len(buf) {
				buf[n] = c
			}
			n++
		case c == ' ' || c == '.' || c == '-':
		default:
			return "", codeBSNChars
		}
	}
	var warn Code
	switch n {
	case 9:
	case 8:
		copy(buf[1:], buf[:8])
		buf[0] = '0'
		warn = codeBSNPadded
	default:
		return "", codeBSNLength
	}
	if code := checkBSN(string(buf[:])); code != "" {
		return "", code
	}
	return string(buf[:]), warn
}

// checkBSN applies the 11-check to 9 digits: 9·d1 + 8·d2 + … + 2·d8 − 1·d9
// must be divisible by 11. All zeros passes that test but is no BSN.
func checkBSN(d string) Code {
	sum, zeros := 0, true
	for i := 0; i < 8; i++ {
		sum += (9 - i) * int(d[i]-'0')
		zeros = zeros && d[i] == '0'
	}
	sum -= int(d[8] - '0')
	if zeros && d[8] == '0' {
		return codeBSNZeros
	}
	if sum%11 != 0 {
		return codeBSNCheck
	}
	return ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
