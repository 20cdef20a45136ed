package main

// Flag values the flag package has no type for.

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// uint32Flag is a flag whose value goes into a uint32 field of a request
// (a key version, a page size). flag.UintVar would take 4294967296 and the
// conversion would wrap it to 0, which the server reads as "the default":
// the user would silently get what they did not ask for. Set refuses what
// does not fit instead.
type uint32Flag uint32

func (f *uint32Flag) String() string { return strconv.FormatUint(uint64(*f), 10) }

func (f *uint32Flag) Set(s string) error {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return errOutOfRange(0, math.MaxUint32)
	}
	*f = uint32Flag(v)
	return nil
}

// intRangeFlag is an int flag that only takes values from min to max.
type intRangeFlag struct {
	v        *int
	min, max int
}

func (f intRangeFlag) String() string {
	if f.v == nil {
		return ""
	}
	return strconv.Itoa(*f.v)
}

func (f intRangeFlag) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil || v < f.min || v > f.max {
		return errOutOfRange(int64(f.min), int64(f.max))
	}
	*f.v = v
	return nil
}

// errOutOfRange is what the flag package prints after "invalid value ...
// for flag -NAME: ".
func errOutOfRange(min, max int64) error {
	return fmt.Errorf("out of range (%d to %d)", min, max)
}

// listFlag collects a flag given more than once, or as a comma list:
// -keep a -keep b, or -keep a,b.
type listFlag []string

func (f *listFlag) String() string { return strings.Join(*f, ",") }

func (f *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*f = append(*f, v)
		}
	}
	return nil
}

var (
	_ flag.Value = (*listFlag)(nil)
	_ flag.Value = (*uint32Flag)(nil)
	_ flag.Value = intRangeFlag{}
)
