package safetext

import (
	"encoding/json"
	"html"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// seeds are inputs of every class this package neutralizes, for the fuzz
// targets to start from.
func seeds() []string {
	s := []string{
		"\x1b[31mfailure\x1b[0m",              // ESC, CSI
		"\x1b]0;title\x07",                    // OSC, BEL
		"\x1b]8;;https://evil.example\x1b\\x", // OSC 8 link, ST
		"\u009b2J\u009d0;t\u009c",             // 8-bit CSI, OSC, ST
		"KO \u202eDESSAP",                     // RLO
		"a\u2028b\u2029c\u0085d",              // separators, NEL
		"##[add-mask]success",
		"##[stop-commands]tok",
		"text ::error::x",
		"  ::add-mask::success\n::stop-commands::tok\r\n##[endgroup]",
		"a\xffb\xc3\xed\xa0\x80", // invalid UTF-8
		"![img](https://evil.example/i.png) [link](http://x) <https://x> a@b.co www.x.com",
		"</pre>\n<script>x</script>\n`code` | pipe \\| \\\\|",
		"**bold** _em_ ~~del~~ # heading &amp; <b>",
		"\u26a0\ufe0f succ\ufe0fess succ\u3164ess \u200b\ufeff\U000e0041",
		`{"output":"::error::x","n":1}`,
	}
	for _, a := range attacks {
		s = append(s, a.in)
	}
	return s
}

// FuzzLine checks Line and Lines on any text: the result is valid UTF-8,
// holds no control, bidi, separator, format or other hidden rune and no
// workflow command the runner would act on; nothing is lost (without
// backslashes in the input, unescaping gives it back byte for byte);
// visible text is kept byte for byte; and neutralizing twice changes
// nothing.
func FuzzLine(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		line := Line(s)
		checkLine(t, line)
		if again := Line(line); again != line {
			t.Errorf("Line(Line(%q)): got %q, want %q", s, again, line)
		}
		lines := Lines(s)
		for _, l := range strings.Split(lines, "\n") {
			checkLine(t, l)
		}
		if again := Lines(lines); again != lines {
			t.Errorf("Lines(Lines(%q)): got %q, want %q", s, again, lines)
		}
		if !strings.Contains(s, `\`) {
			if got := unescapeLine(t, line); got != s {
				t.Errorf("unescaping Line(%q) = %q: got %q, want the input", s, line, got)
			}
		}
		visible := visibleOnly(s)
		if got := Line(visible); got != visible {
			t.Errorf("Line(%q): got %q, want it unchanged", visible, got)
		}
	})
}

// FuzzExcerpt checks that Excerpt keeps at most max runes, is Line(s) when
// that fits, and is otherwise the longest start of Line(s) that ends
// between two pieces (never inside an escape) and fits with "…".
func FuzzExcerpt(f *testing.F) {
	for i, s := range seeds() {
		f.Add(s, i%40)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 300
		got := Excerpt(s, max)
		checkLine(t, got)
		n := utf8.RuneCountInString(got)
		if n > max && !(max <= 0 && got == "") {
			t.Fatalf("Excerpt(%q, %d) = %q has %d runes", s, max, got, n)
		}
		line := Line(s)
		if max <= 0 {
			if got != "" {
				t.Errorf("Excerpt(%q, %d): got %q, want \"\"", s, max, got)
			}
			return
		}
		if utf8.RuneCountInString(line) <= max {
			if got != line {
				t.Errorf("Excerpt(%q, %d): got %q, want %q", s, max, got, line)
			}
			return
		}
		start, ok := strings.CutSuffix(got, marker)
		if !ok || !strings.HasPrefix(line, start) {
			t.Fatalf("Excerpt(%q, %d): got %q, want a start of %q and …", s, max, got, line)
		}
		// The cut is at a boundary, and the next boundary would not fit.
		bounds := boundaries(s)
		i := 0
		for i < len(bounds) && bounds[i] < len(start) {
			i++
		}
		if i == len(bounds) || bounds[i] != len(start) {
			t.Fatalf("Excerpt(%q, %d) = %q cuts Line(s) = %q inside a piece, at byte %d", s, max, got, line, len(start))
		}
		if i+1 < len(bounds) && utf8.RuneCountInString(line[:bounds[i+1]]) <= max-1 {
			t.Errorf("Excerpt(%q, %d) = %q: %q would fit too", s, max, got, line[:bounds[i+1]])
		}
	})
}

// FuzzCommand checks that the runner reads the CLI's annotation, whatever
// its title and message, as one error command that shows them neutralized.
func FuzzCommand(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, title, message string) {
		checkAnnotation(t, title, message)
	})
}

// FuzzMarkdown checks that a GFM renderer shows a TableCell and a Details
// block of any text as that text neutralized and nothing else: no link,
// image, tag, heading or emphasis, no extra cell, and Markdown after the
// block is Markdown again, also when max cuts the body.
func FuzzMarkdown(f *testing.F) {
	for i, s := range seeds() {
		f.Add(s, i*7)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		checkCell(t, s)
		checkDetails(t, s, s)
		max = max%512 + 1
		if max < 1 {
			max += 512
		}
		cut := Details("s", s, max)
		head := "\n<details><summary>s</summary>\n\n<pre>\n"
		tail := "</pre>\n\n</details>\n\n"
		content, ok := strings.CutPrefix(cut, head)
		if ok {
			content, ok = strings.CutSuffix(content, tail)
		}
		if !ok {
			t.Fatalf("Details(s, %q, %d) = %q is not a details block", s, max, cut)
		}
		shown := strings.TrimSuffix(strings.TrimSuffix(content, marker+"\n"), "\n")
		if len(shown) > max {
			t.Errorf("Details(s, %q, %d) shows %d bytes", s, max, len(shown))
		}
		full := strings.TrimPrefix(strings.TrimSuffix(Details("s", s, 0), tail), head)
		if !strings.HasPrefix(full, shown) {
			t.Errorf("Details(s, %q, %d) shows %q, want a start of %q", s, max, shown, full)
		}
		md := "before\n" + cut + "after *x*\n"
		if got, want := normalizeEntities(render(t, md)), renderedDetails("s", html.UnescapeString(strings.TrimSuffix(content, "\n"))); got != want {
			t.Errorf("Details(s, %q, %d) as Markdown %q:\ngot  %q\nwant %q", s, max, md, got, want)
		}
	})
}

// FuzzJSON checks that JSON of any bytes is safe to print line by line,
// and that JSON of a JSON text decodes to the same values.
func FuzzJSON(f *testing.F) {
	for _, s := range seeds() {
		b, _ := json.Marshal(map[string]string{"output": s})
		f.Add(b)
		f.Add([]byte(strconv.Quote(s)))
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkJSON(t, b, JSON(b))
	})
}

// boundaries returns the byte offsets in Line(s) where Excerpt may cut:
// between two runes of text kept as it is, and around every escape.
func boundaries(s string) []int {
	bounds := []int{0}
	at := 0
	walk(s, false, func(piece string, atom bool) bool {
		if !atom {
			for i := range piece {
				if i > 0 {
					bounds = append(bounds, at+i)
				}
			}
		}
		at += len(piece)
		bounds = append(bounds, at)
		return true
	})
	return bounds
}

// unescapeLine undoes Line for text that had no backslash of its own.
func unescapeLine(t *testing.T, line string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		if line[i] != '\\' {
			b.WriteByte(line[i])
			continue
		}
		i++
		if i == len(line) {
			t.Fatalf("%q ends in a lone backslash", line)
		}
		switch c := line[i]; c {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case ':', '[':
			b.WriteByte(c)
		case 'x', 'u', 'U':
			width := 2
			switch c {
			case 'u':
				width = 4
			case 'U':
				width = 8
			}
			if i+1+width > len(line) {
				t.Fatalf("%q: escape at %d is cut short", line, i-1)
			}
			v, err := strconv.ParseUint(line[i+1:i+1+width], 16, 32)
			if err != nil {
				t.Fatalf("%q: bad escape at %d: %v", line, i-1, err)
			}
			if c == 'x' {
				b.WriteByte(byte(v))
			} else {
				b.WriteRune(rune(v))
			}
			i += width
		default:
			t.Fatalf("%q: unknown escape \\%c", line, c)
		}
	}
	return b.String()
}

// visibleOnly returns s without anything Line changes: no invalid UTF-8, no
// hidden runes, no line breaks or tabs, and no ':' or '[' at all.
func visibleOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || r == ':' || r == '[' || hidden(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}
