package identity

import "time"

// Date is a calendar date without time zone.
type Date struct{ Year, Month, Day int }

// String returns the date as ISO 8601 yyyy-mm-dd, the canonical form.
func (d Date) String() string {
	var b [10]byte
	return string(d.appendISO(b[:0]))
}

func (d Date) appendISO(b []byte) []byte {
	y := d.Year
	if y < 0 || y > 9999 {
		y = 0 // not produced by the parser; keep the layout fixed anyway
	}
	return append(b,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+d.Month/10%10), byte('0'+d.Month%10), '-',
		byte('0'+d.Day/10%10), byte('0'+d.Day%10))
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, int(m), d}
}

// Today returns today's date as used for the "birth date in the future"
// check. It is the date at UTC+2, the later of the two Dutch offsets (CEST),
// so that a child born just after midnight in the Netherlands is never in
// the future; the price is that for one hour on winter evenings tomorrow
// is accepted. A fixed offset avoids depending on the time zone database.
func Today() Date {
	return DateOf(time.Now().UTC().Add(2 * time.Hour))
}

// earliestBirthDate: older dates are typing errors, not people.
var earliestBirthDate = Date{1880, 1, 1}

// ParseBirthDate parses a birth date in one of the declared formats and
// checks that it is plausible relative to today. Surrounding whitespace is
// allowed. Formats (d and m may have one or two digits):
//
//	yyyy-mm-dd   ISO, the canonical form
//	dd-mm-yyyy   d-m-yyyy
//	yyyymmdd
//	dd/mm/yyyy   d/m/yyyy   (day first, as in the Netherlands)
//
// Anything else is F-301; a day that does not exist F-302; a date after
// today F-303; before 1880-01-01 F-304.
func ParseBirthDate(s string, today Date) (Date, *Problem) {
	d, code := parseDate(s, today)
	if code != "" {
		return Date{}, problemPtr(FieldBirthDate, code)
	}
	return d, nil
}

func canonicalBirthDate(s string, today Date) (string, Code) {
	s = trimASCIISpace(s)
	d, code := parseDate(s, today)
	if code != "" {
		return "", code
	}
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		return s, "" // already yyyy-mm-dd: no need to build a string
	}
	return d.String(), ""
}

func parseDate(s string, today Date) (Date, Code) {
	s = trimASCIISpace(s)
	var d Date
	var ok bool
	switch {
	case len(s) == 8 && allDigits(s):
		d, ok = Date{atoi(s[:4]), atoi(s[4:6]), atoi(s[6:])}, true
	default:
		d, ok = splitDate(s)
	}
	if !ok {
		return Date{}, codeDateFormat
	}
	if d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > daysIn(d.Year, d.Month) {
		return Date{}, codeDateInvalid
	}
	if today.Before(d) {
		return Date{}, codeDateFuture
	}
	if d.Before(earliestBirthDate) {
		return Date{}, codeDateTooOld
	}
	return d, ""
}

// splitDate handles the formats with separators: yyyy-m-d, d-m-yyyy and
// d/m/yyyy.
func splitDate(s string) (Date, bool) {
	var sep byte
	for i := 0; i < len(s); i++ {
		if s[i] == '-' || s[i] == '/' {
			sep = s[i]
			break
		}
	}
	if sep == 0 {
		return Date{}, false
	}
	a, rest := nextField(s, sep)
	b, c := nextField(rest, sep)
	if !allDigits(a) || !allDigits(b) || !allDigits(c) || len(b) < 1 || len(b) > 2 {
		return Date{}, false
	}
	switch {
	case sep == '-' && len(a) == 4 && len(c) >= 1 && len(c) <= 2:
		return Date{atoi(a), atoi(b), atoi(c)}, true
	case len(c) == 4 && len(a) >= 1 && len(a) <= 2:
		return Date{atoi(c), atoi(b), atoi(a)}, true
	}
	return Date{}, false
}

// atoi converts a short string of ASCII digits (checked by the caller).
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
