package safetext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// marker ends the text that Excerpt and Details cut short.
const marker = "…"

// Line returns s as one line of printable text: every rune listed in the
// package documentation becomes a visible escape (line breaks included, as
// \n and \r), and no "::" or "##[" that the Actions runner would act on is
// left. Printable text without those is returned byte for byte, and
// Line(Line(s)) == Line(s). It is safe for concurrent use.
func Line(s string) string {
	if plain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	walk(s, false, func(piece string, _ bool) bool {
		b.WriteString(piece)
		return true
	})
	return b.String()
}

// Lines is Line for text that may span several lines: a line break (\n or
// \r\n) stays a line break, and each line is neutralized as Line does. A
// lone \r, which a terminal uses to overwrite a line, becomes \r. It is
// safe for concurrent use.
func Lines(s string) string {
	if plain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	walk(s, true, func(piece string, _ bool) bool {
		b.WriteString(piece)
		return true
	})
	return b.String()
}

// Excerpt returns Line(s) if it has at most max runes; otherwise the
// longest start of it that, followed by "…" (U+2026), has at most max
// runes. The cut falls between runes and never inside an escape. Excerpt
// of a max below 1 is "". It reads s only as far as it needs to, and is
// safe for concurrent use.
func Excerpt(s string, max int) string {
	if max <= 0 {
		return ""
	}
	var b strings.Builder
	runes, cut := 0, -1 // cut: where b held max-1 runes, at a boundary
	walk(s, false, func(piece string, atom bool) bool {
		n := utf8.RuneCountInString(piece)
		if cut < 0 && runes+n > max-1 {
			cut = b.Len()
			if !atom {
				cut += runeOffset(piece, max-1-runes)
			}
		}
		b.WriteString(piece)
		runes += n
		return runes <= max
	})
	if runes <= max {
		return b.String()
	}
	return b.String()[:cut] + marker
}

// runeOffset returns the byte offset of the n-th rune of s.
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// plain reports whether s is printable ASCII holding neither "::" nor
// "##[", which every function here returns unchanged.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return false
		}
		if c == ':' && i > 0 && s[i-1] == ':' {
			return false
		}
		if c == '[' && i > 1 && s[i-1] == '#' && s[i-2] == '#' {
			return false
		}
	}
	return true
}

// chunk bounds the runs of kept text that walk emits, so a caller that
// stops early has not read far past where it stopped.
const chunk = 1 << 10

// walk neutralizes s piece by piece, in order: emit gets either a run of s
// that is kept as it is (atom false; it may be cut between any two runes)
// or the text that replaces one rune or byte (atom true: an escape, or
// "\:" and "\[" that defuse a workflow command). With lines, a line break
// is emitted as "\n" (atom false) and starts a new line; without, it is
// escaped. walk stops early when emit returns false.
func walk(s string, lines bool, emit func(piece string, atom bool) bool) {
	var last1, last2 byte // the last two bytes emitted on this line
	start := 0            // start of the run not yet emitted
	afterSymbol := false  // the last rune emitted as it is was a symbol (So)
	replace := func(i, size int, with string) bool {
		if start < i && !emit(s[start:i], false) {
			return false
		}
		start = i + size
		if with == "\n" {
			last1, last2 = 0, 0
			return emit(with, false)
		}
		last2, last1 = last1, with[len(with)-1]
		return emit(with, true)
	}
	for i := 0; i < len(s); {
		if i-start >= chunk { // i is at a rune boundary: hand over what was read
			if !emit(s[start:i], false) {
				return
			}
			start = i
		}
		c := s[i]
		if c >= 0x20 && c <= 0x7e {
			ok := true
			switch {
			case c == ':' && last1 == ':':
				ok = replace(i, 1, `\:`)
			case c == '[' && last1 == '#' && last2 == '#':
				ok = replace(i, 1, `\[`)
			default:
				last2, last1 = last1, c
			}
			if !ok {
				return
			}
			afterSymbol = false
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		var with string
		switch {
		case lines && c == '\n':
			with = "\n"
		case lines && c == '\r' && i+1 < len(s) && s[i+1] == '\n':
			with = "\n" // \r\n is one line break
			size = 2
		case r == utf8.RuneError && size == 1:
			with = escapeByte(c)
		case r < 0x80 || (hidden(r) && !(afterSymbol && isPresentation(r))):
			with = escapeRune(r)
		}
		if with != "" {
			if !replace(i, size, with) {
				return
			}
			afterSymbol = false
		} else {
			last2, last1 = last1, 0x80
			afterSymbol = unicode.Is(unicode.So, r)
		}
		i += size
	}
	if start < len(s) {
		emit(s[start:], false)
	}
}

// hidden reports whether r is a rune that Line escapes: see the package
// documentation for the set and why.
func hidden(r rune) bool {
	if r < 0x80 {
		return r < 0x20 || r == 0x7f
	}
	// Kept are letters, marks, numbers, punctuation, symbols, spaces and
	// private use; so controls, format characters, the line and paragraph
	// separators and unassigned code points (Cc, Cf, Zl, Zp, Cn) are not...
	if !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs, unicode.Co) {
		return true
	}
	// ...and neither are the runes Unicode says are drawn as nothing.
	return unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// isPresentation reports whether r selects the text or emoji presentation
// of the symbol before it.
func isPresentation(r rune) bool { return r == 0xFE0E || r == 0xFE0F }

const hexDigits = "0123456789abcdef"

// escapeByte returns \xNN for a byte that is not valid UTF-8.
func escapeByte(c byte) string {
	return `\x` + string([]byte{hexDigits[c>>4], hexDigits[c&0xf]})
}

// escapeRune returns r in Go's escape notation: \t, \n, \r, \xNN below
// U+0080, \uNNNN up to U+FFFF and \UNNNNNNNN beyond.
func escapeRune(r rune) string {
	switch r {
	case '\t':
		return `\t`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	}
	if r < 0x80 {
		return escapeByte(byte(r))
	}
	width, prefix := 4, `\u`
	if r > 0xffff {
		width, prefix = 8, `\U`
	}
	b := []byte(prefix)
	for shift := 4 * (width - 1); shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(r>>shift)&0xf])
	}
	return string(b)
}
