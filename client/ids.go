package client

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// ParseID checks that id is a UUID in its canonical 36-character form, as
// every task and execution ID is, and returns it in lower case. kind names
// the ID in the error ("task", "execution"), which matches ErrInvalidID.
// Every Client method checks its IDs this way before sending anything;
// package poller and the anchor-wait command call it to refuse bad IDs
// before any request at all.
func ParseID(kind, id string) (string, error) {
	u, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return "", invalidID(kind, id)
	}
	if lower := strings.ToLower(id); lower == id { // no copy when already lower case
		return id, nil
	}
	return u.String(), nil
}

// invalidID is the error for an ID that is not a UUID, quoting shown, the
// ID as it may be shown.
func invalidID(kind, shown string) error {
	return fmt.Errorf("%w: %s ID %q is not a UUID: want 36 characters such as 3c90c3cc-0d44-4b50-8888-8dd25736052a", ErrInvalidID, kind, shorten(shown, 48))
}

// shorten cuts s to at most n bytes, at a rune boundary, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// ParseRunID checks that id can be a v2 run ID: 1 to MaxRunIDLen
// characters of A-Z, a-z, 0-9, - and _ (the API documents a run ID only as
// a string, and these are the characters that stand in a path segment as
// they are). It returns id as it is, since run IDs are case-sensitive; the
// error matches ErrInvalidID. GetRun checks its ID this way.
func ParseRunID(id string) (string, error) {
	if !validRunID(id) {
		return "", invalidRunID(id)
	}
	return id, nil
}

// invalidRunID is the error for a run ID that validRunID refuses, quoting
// shown, the ID as it may be shown.
func invalidRunID(shown string) error {
	return fmt.Errorf("%w: run ID %q: want 1 to %d characters of A-Z, a-z, 0-9, - and _", ErrInvalidID, shorten(shown, 48), MaxRunIDLen)
}
