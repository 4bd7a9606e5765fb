package safetext

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode"
	"unicode/utf8"
)

// JSON returns b, one or more JSON values such as json.Marshal writes,
// rewritten so that it decodes to the same values but its text is as safe
// to print as Lines makes text: inside strings, every rune Line would
// escape is written as a JSON \u escape (U+FFFD for a byte that is not
// valid UTF-8, as encoding/json decodes it), and so are the ':' and '['
// that would make "::" or "##["; a tab or carriage return between tokens
// becomes a space. encoding/json alone leaves ESC as \u001b but writes C1
// controls, bidi controls and workflow commands as they are, and the
// Actions runner acts on a "##[stop-commands]..." inside a JSON line on
// stdout like on any other line. Input that is not JSON is returned as
// Lines makes it. JSON does not change b; it is safe for concurrent use.
func JSON(b []byte) []byte {
	if !validJSON(b) {
		return []byte(Lines(string(b)))
	}
	out := make([]byte, 0, len(b)+len(b)/16)
	var last1, last2 byte // the last two bytes written
	inString, afterSymbol := false, false
	for i := 0; i < len(b); {
		c := b[i]
		var with string // what c, or the rune it starts, is written as
		size := 1
		switch {
		case !inString:
			if c == '"' {
				inString = true
			} else if c == '\r' || c == '\t' {
				with = " "
			}
		case c == '"':
			inString = false
		case c == '\\':
			size = 2 // an escape of the input is kept; a \u's digits follow as they are
		case c == ':' && last1 == ':':
			with = `\u003a`
		case c == '[' && last1 == '#' && last2 == '#':
			with = `\u005b`
		case c < 0x80:
			if c == 0x7f { // the only control JSON allows raw in a string
				with = `\u007f`
			}
		default:
			var r rune
			r, size = utf8.DecodeRune(b[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				with = `\ufffd`
			case hidden(r) && !(afterSymbol && isPresentation(r)):
				with = jsonEscape(r)
			}
			if with == "" {
				out = append(out, b[i:i+size]...)
				last2, last1 = last1, 0x80
				afterSymbol = unicode.Is(unicode.So, r)
				i += size
				continue
			}
		}
		afterSymbol = false
		if with == "" {
			with = string(b[i : i+size])
		}
		out = append(out, with...)
		if len(with) > 1 {
			last2 = with[len(with)-2]
		} else {
			last2 = last1
		}
		last1 = with[len(with)-1]
		i += size
	}
	return out
}

// jsonEscape returns r as a JSON \u escape, a surrogate pair beyond U+FFFF.
func jsonEscape(r rune) string {
	if r > 0xffff {
		r -= 0x10000
		return jsonEscape(0xd800+(r>>10)) + jsonEscape(0xdc00+(r&0x3ff))
	}
	b := []byte(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(r>>shift)&0xf])
	}
	return string(b)
}

// validJSON reports whether b is a sequence of JSON values separated by
// optional white space.
func validJSON(b []byte) bool {
	if len(bytes.TrimSpace(b)) == 0 {
		return false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	for {
		var v json.RawMessage
		err := d.Decode(&v)
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
	}
}
