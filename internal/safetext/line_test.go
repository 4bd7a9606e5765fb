package safetext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// attacks are server text of every class this package neutralizes, with
// what Line makes of each.
var attacks = []struct {
	name, in, line string
}{
	{"plain", "success", "success"},
	{"empty", "", ""},
	{"ESC colours", "\x1b[31mfailure\x1b[0m", `\x1b[31mfailure\x1b[0m`},
	{"OSC title and BEL", "\x1b]0;pwned\x07ok", `\x1b]0;pwned\x07ok`},
	{"OSC 8 hyperlink", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", `\x1b]8;;https://evil.example\x1b\click\x1b]8;;\x1b\`},
	{"C1 CSI U+009B", "\u009b2J", `\u009b2J`},
	{"C1 NEL U+0085", "a\u0085b", `a\u0085b`},
	{"NUL and DEL", "a\x00b\x7fc", `a\x00b\x7fc`},
	{"tab", "a\tb", `a\tb`},
	{"line breaks", "a\nb\r\nc\rd", `a\nb\r\nc\rd`},
	{"RLO reverses", "KO \u202eDESSAP", `KO \u202eDESSAP`},
	{"bidi isolates and marks", "\u2066a\u2069\u200e\u200f\u061c", `\u2066a\u2069\u200e\u200f\u061c`},
	{"line separator", "a\u2028b\u2029c", `a\u2028b\u2029c`},
	{"zero-width space and joiner", "suc\u200bcess\u200d", `suc\u200bcess\u200d`},
	{"BOM and soft hyphen", "\ufeffsuc\u00adcess", `\ufeffsuc\u00adcess`},
	{"Hangul filler", "succ\u3164ess", `succ\u3164ess`},
	{"tag characters", "ok\U000e0041\U000e007f", `ok\U000e0041\U000e007f`},
	{"variation selector after a letter", "succ\ufe0fess", `succ\ufe0fess`},
	{"emoji presentation kept", "\u26a0\ufe0f warn", "\u26a0\ufe0f warn"},
	{"second selector escaped", "\u26a0\ufe0f\ufe0f", "\u26a0\ufe0f\\ufe0f"},
	{"noncharacter", "a\uffffb", `a\uffffb`},
	{"unassigned", "a\U000e0080b", `a\U000e0080b`},
	{"invalid UTF-8", "a\xffb\xc3", `a\xffb\xc3`},
	{"surrogate bytes", "\xed\xa0\x80", `\xed\xa0\x80`},
	{"legacy add-mask", "##[add-mask]success", `##\[add-mask]success`},
	{"legacy stop-commands", "failed: ##[stop-commands]tok", `failed: ##\[stop-commands]tok`},
	{"legacy after text", "| x | ##[group]y", `| x | ##\[group]y`},
	{"v2 command", "::error::x", `:\:error:\:x`},
	{"v2 in mid-line", "text ::error::x", `text :\:error:\:x`},
	{"v2 after spaces", "  ::add-mask::success", `  :\:add-mask:\:success`},
	{"v2 after NBSP", "\u00a0::echo::on", "\u00a0:\\:echo:\\:on"},
	{"colon runs", ":::", `:\:\:`},
	{"hash runs", "###[[", `###\[[`},
	{"hidden between colons", ":\u200b:error::x", `:\u200b:error:\:x`},
	{"hidden inside the prefix", "#\u200b#[add-mask]x", `#\u200b#[add-mask]x`},
	{"escape-looking text kept", `\x1b \u202e`, `\x1b \u202e`},
	{"single colons kept", "a: b:c http://x", "a: b:c http://x"},
	{"Markdown kept", "**b** [l](u) <img src=x>", "**b** [l](u) <img src=x>"},
	{"non-ASCII kept", "héllo wörld 日本 مرحبا \u00a0x\U0001f600", "héllo wörld 日本 مرحبا \u00a0x\U0001f600"},
}

func TestLine(t *testing.T) {
	for _, tt := range attacks {
		t.Run(tt.name, func(t *testing.T) {
			got := Line(tt.in)
			if got != tt.line {
				t.Errorf("Line(%q): got %q, want %q", tt.in, got, tt.line)
			}
			checkLine(t, got)
			if again := Line(got); again != got {
				t.Errorf("Line(Line(%q)): got %q, want %q", tt.in, again, got)
			}
		})
	}
}

func TestLines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\nb", "a\nb"},
		{"a\r\nb\r\n", "a\nb\n"},
		{"a\rb", `a\rb`},
		{"a\r\r\nb", "a\\r\nb"},
		{"a:\n:b", "a:\n:b"},
		{"a::\n::b", "a:\\:\n:\\:b"},
		{"#\n#[x]", "#\n#[x]"},
		{"##[x]\n\x1b[2J\n\u2028", "##\\[x]\n\\x1b[2J\n\\u2028"},
		{"\t\n", "\\t\n"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Lines(tt.in)
			if got != tt.want {
				t.Errorf("Lines(%q): got %q, want %q", tt.in, got, tt.want)
			}
			for _, line := range strings.Split(got, "\n") {
				checkLine(t, line)
			}
		})
	}
}

func TestExcerpt(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"success", 7, "success"},
		{"success", 8, "success"},
		{"success", 6, "succe…"},
		{"success", 1, "…"},
		{"success", 0, ""},
		{"success", -1, ""},
		{"", 3, ""},
		{"日本語のテキスト", 5, "日本語の…"},
		{"ab\x1bcd", 5, "ab…"}, // \x1b does not fit whole in 4 runes
		{"ab\x1bcd", 7, "ab\\x1b…"},
		{"ab\x1bcd", 8, "ab\\x1bcd"},
		{"::error::x", 3, ":…"},                      // "\:" is one piece
		{"::error::x", 4, ":\\:…"},                   // and fits here
		{"a\xffb", 4, "a…"},                          // \xff is not cut
		{"\u202e" + strings.Repeat("x", 10), 6, "…"}, // \u202e and the marker make 7 runes
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Excerpt(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Excerpt(%q, %d): got %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > max(tt.max, 0) {
				t.Errorf("Excerpt(%q, %d) has %d runes, want at most %d", tt.in, tt.max, n, tt.max)
			}
			checkLine(t, got)
		})
	}
}

// TestWalkStopsEarly checks that walk hands over a huge text in bounded
// pieces and stops when told, so Excerpt reads only the start of a text.
func TestWalkStopsEarly(t *testing.T) {
	for _, s := range []string{strings.Repeat("\x1b", 1<<20), strings.Repeat("a", 1<<20), strings.Repeat("日本", 1<<20)} {
		read := 0
		walk(s, false, func(piece string, _ bool) bool {
			read += len(piece)
			return read < 100
		})
		if read < 100 || read > chunk+4 {
			t.Errorf("walk of %.10q... stopped after %d bytes, want between 100 and %d", s, read, chunk+4)
		}
	}
}

// checkLine fails t unless line is one line of printable text with no
// workflow command in it.
func checkLine(t *testing.T, line string) {
	t.Helper()
	if !utf8.ValidString(line) {
		t.Errorf("%q is not valid UTF-8", line)
	}
	afterSymbol := false
	for _, r := range line {
		if hidden(r) && !(afterSymbol && isPresentation(r)) {
			t.Errorf("%q holds %U", line, r)
		}
		afterSymbol = unicode.Is(unicode.So, r)
	}
	if strings.Contains(line, "::") || strings.Contains(line, "##[") {
		t.Errorf("%q holds a live workflow-command sequence", line)
	}
	checkNoCommand(t, "line", line)
}

// TestHidden pins the classes of runes that are escaped and kept.
func TestHidden(t *testing.T) {
	escaped := []rune{0x00, 0x1b, 0x7f, 0x80, 0x9b, 0x9f, 0xad, 0x34f, 0x61c, 0x115f, 0x180b, 0x180e, 0x200b, 0x200d, 0x200e,
		0x2028, 0x2029, 0x202a, 0x202e, 0x2060, 0x2066, 0x2069, 0x3164, 0xfe00, 0xfe0f, 0xfeff, 0xffa0, 0xfff9, 0xfffe,
		0x1d173, 0xe0001, 0xe0100, 0xe01ef, 0x10ffff}
	for _, r := range escaped {
		if !hidden(r) {
			t.Errorf("hidden(%U): got false, want true", r)
		}
	}
	kept := []rune{' ', 'a', '~', 0xa0, 0xe9, 0x300, 0x5d0, 0x627, 0x2003, 0x2026, 0x3000, 0x26a0, 0xe000, 0xfffd, 0x1f600}
	for _, r := range kept {
		if hidden(r) {
			t.Errorf("hidden(%U): got true, want false", r)
		}
	}
}

func BenchmarkLine(b *testing.B) {
	for _, bm := range []struct{ name, s string }{
		{"plain", strings.Repeat("execution finished with status success; ", 25)},
		{"hostile", strings.Repeat("\x1b[31m::error::##[add-mask]\u202e日本\xff ", 25)},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.s)))
			for b.Loop() {
				Line(bm.s)
			}
		})
	}
}
