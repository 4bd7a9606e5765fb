package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// The flag.Value types below check their value when it is set and say what
// is expected when it is wrong; the flag package puts that after
// `invalid value "X" for flag -name: `.

// durationValue is a duration of min or more (min is 0 or more).
type durationValue struct {
	p   *time.Duration
	min time.Duration
}

func (v durationValue) String() string {
	if v.p == nil {
		return ""
	}
	return v.p.String()
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return errors.New("want a duration such as 90s, 5m or 1h30m")
	case d < 0 && v.min == 0:
		return errors.New("want a duration of 0 or more, such as 90s, 5m or 1h30m")
	case d < v.min:
		return fmt.Errorf("want a duration of at least %v, such as 500ms, 2s or 1m", v.min)
	}
	*v.p = d
	return nil
}

// boolValue is a switch: the flag alone, or =true or =false.
type boolValue struct{ p *bool }

func (v boolValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatBool(*v.p)
}

func (v boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errNoValue
	}
	*v.p = b
	return nil
}

// IsBoolFlag tells the flag package that the flag needs no value.
func (v boolValue) IsBoolFlag() bool { return true }

// stringValue is any text, such as a path.
type stringValue struct{ p *string }

func (v stringValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v stringValue) Set(s string) error {
	*v.p = s
	return nil
}

// intValue is a whole number from min to max.
type intValue struct {
	p        *int
	min, max int
}

func (v intValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.Itoa(*v.p)
}

func (v intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < v.min || n > v.max {
		return fmt.Errorf("want a whole number from %d to %d", v.min, v.max)
	}
	*v.p = n
	return nil
}

// rateValue is a number of requests per second, 0 or more.
type rateValue struct{ p *float64 }

func (v rateValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatFloat(*v.p, 'g', -1, 64)
}

func (v rateValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return errors.New("want requests per second, 0 or more (0 means no limit), such as 5 or 0.5")
	}
	*v.p = f
	return nil
}

// The result formats of --output.
const (
	formatText  = "text"
	formatJSON  = "json"
	formatJSONL = "jsonl"
)

// outputValue is one of the result formats.
type outputValue struct{ p *string }

func (v outputValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v outputValue) Set(s string) error {
	switch s {
	case formatText, formatJSON, formatJSONL:
		*v.p = s
		return nil
	}
	return errors.New("want text, json or jsonl")
}

// inputsValue collects repeated --input NAME=value flags. Which names a
// run takes depends on --v2, which may come later: startFlags.check
// checks them once every flag is parsed.
type inputsValue struct{ m *map[string]string }

func (v inputsValue) String() string { return "" }

func (v inputsValue) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return errors.New("want NAME=value, such as ANCHOR_URL=https://example.com")
	}
	if *v.m == nil {
		*v.m = map[string]string{}
	}
	if _, dup := (*v.m)[name]; dup {
		return fmt.Errorf("input %s is given twice: want each name once", name)
	}
	(*v.m)[name] = value
	return nil
}

// versionValue is a task version for run: draft, latest or a number.
type versionValue struct{ p *string }

func (v versionValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v versionValue) Set(s string) error {
	if client.CheckVersion(s) != nil {
		return errors.New("want a task version: draft, latest or a version number such as 3")
	}
	*v.p = s
	return nil
}
