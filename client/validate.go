package client

import (
	"fmt"
	"regexp"
	"strings"
)

// versionPattern is what the API takes as a task version.
var versionPattern = regexp.MustCompile(`^(draft|latest|\d+)$`)

// CheckVersion reports whether v is a task version the API takes: draft,
// latest or a version number. The error matches ErrInvalidRequest. RunTask
// checks its request this way; callers check a user's value with it early,
// to say which flag or field is wrong.
func CheckVersion(v string) error {
	if !versionPattern.MatchString(v) {
		return fmt.Errorf("%w: version %q: want draft, latest or a version number such as 3", ErrInvalidRequest, shorten(v, 48))
	}
	return nil
}

// inputPrefix starts the name of every input of a v1 run.
const inputPrefix = "ANCHOR_"

// CheckInputName reports whether name can name an input of a v1 run: the
// API takes only names that start with ANCHOR_. The error matches
// ErrInvalidRequest. RunTask checks its inputs this way.
func CheckInputName(name string) error {
	if !strings.HasPrefix(name, inputPrefix) || len(name) == len(inputPrefix) {
		return fmt.Errorf("%w: input %q: every input name starts with %s, such as ANCHOR_URL", ErrInvalidRequest, shorten(name, 48), inputPrefix)
	}
	return nil
}
