package safetext

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

// gfm renders GitHub Flavored Markdown (tables, autolinks, strikethrough)
// with raw HTML passed through, as GitHub does before it sanitizes. It is
// goldmark, not GitHub's cmark-gfm: the two agree on everything these
// tests rely on (code spans in cells, escaped pipes in them, HTML blocks),
// and where they differ (autolinks in escaped text), TableCell uses
// neither behaviour.
var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(gmhtml.WithUnsafe()))

func render(t *testing.T, md string) string {
	t.Helper()
	var b bytes.Buffer
	if err := gfm.Convert([]byte(md), &b); err != nil {
		t.Fatalf("rendering %q: %v", md, err)
	}
	return b.String()
}

// cellTable is a one-column table with a cell in its only body row.
func cellTable(cell string) string { return "| h |\n| --- |\n| " + cell + " |\n" }

// renderedCell returns the HTML a GFM renderer makes of a cell that shows
// text (already neutralized) as code.
func renderedCell(text string) string {
	inner := ""
	if text != "" {
		inner = "<code>" + html.EscapeString(text) + "</code>"
	}
	return "<table>\n<thead>\n<tr>\n<th>h</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>" + inner + "</td>\n</tr>\n</tbody>\n</table>\n"
}

// checkCell fails t unless the table cell made of s renders as Line(s)
// shown as code and nothing else.
func checkCell(t *testing.T, s string) {
	t.Helper()
	md := cellTable(TableCell(s))
	got := normalizeEntities(render(t, md))
	text := Line(s)
	if strings.Trim(text, " ") == "" && text != "" {
		text = " " + text + " " // a code span of spaces keeps its padding
	}
	if want := renderedCell(text); got != want {
		t.Errorf("cell of %q, as Markdown %q:\ngot  %q\nwant %q", s, md, got, want)
	}
}

// normalizeEntities writes quotes the way html.EscapeString does (goldmark
// writes " as &quot; and ' as it is in text), so outputs compare as text.
// A quote in the tags these tests expect would be changed too: they have
// none.
func normalizeEntities(s string) string {
	return strings.NewReplacer("&quot;", "&#34;", "'", "&#39;").Replace(s)
}

func TestTableCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"success", "` success `"},
		{"a|b", "` a\\|b `"},
		{`a\|b`, "` a\\\\|b `"},
		{`a\\|b`, "` a\\\\\\|b `"},
		{"a`b", "`` a`b ``"},
		{"``x`", "``` ``x` ```"},
		{"*em* ![i](http://x/i.png) [l](http://x) <b>b</b> a@b.co www.x.com https://x.com ~~s~~ # h &amp;", "` *em* ![i](http://x/i.png) [l](http://x) <b>b</b> a@b.co www.x.com https://x.com ~~s~~ # h &amp; `"},
		{"##[add-mask]success\x1b", "` ##\\[add-mask]success\\x1b `"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := TableCell(tt.in)
			if got != tt.want {
				t.Errorf("TableCell(%q): got %q, want %q", tt.in, got, tt.want)
			}
			checkCell(t, tt.in)
		})
	}
	for _, tt := range attacks {
		t.Run("attack/"+tt.name, func(t *testing.T) { checkCell(t, tt.in) })
	}
}

// renderedDetails returns what a GFM renderer makes of a paragraph, the
// Details block of summary and body (both already neutralized, body
// without its final line break), and a paragraph with emphasis after it.
func renderedDetails(summary, body string) string {
	pre := "<pre>\n"
	if body != "" {
		pre += html.EscapeString(body) + "\n"
	}
	return "<p>before</p>\n<details><summary>" + html.EscapeString(summary) + "</summary>\n" + pre + "</pre>\n</details>\n<p>after <em>x</em></p>\n"
}

// checkDetails fails t unless Details of summary and body, between two
// paragraphs, renders as Line(summary) and Lines(body) shown as text, and
// the paragraph after it is Markdown again.
func checkDetails(t *testing.T, summary, body string) {
	t.Helper()
	md := "before\n" + Details(summary, body, 0) + "after *x*\n"
	got := normalizeEntities(render(t, md))
	shown := body
	if strings.HasSuffix(shown, "\r\n") {
		shown = shown[:len(shown)-2]
	} else {
		shown = strings.TrimSuffix(shown, "\n")
	}
	if want := renderedDetails(Line(summary), Lines(shown)); got != want {
		t.Errorf("details of %q, %q, as Markdown %q:\ngot  %q\nwant %q", summary, body, md, got, want)
	}
}

func TestDetails(t *testing.T) {
	bodies := []string{
		"",
		"one line",
		"line\n\nafter a blank line\n",
		"</pre>\n# heading\n**bold** _em_ ~~del~~\n[link](http://x) ![img](http://x/i.png) <https://x> a@b.co www.x.com",
		"</PRE >\n<script>alert(1)</script>\n<textarea></textarea><style>",
		"&amp; &lt;b&gt; &#60;",
		"<details>\n\n</details>\n\n| a | b |\n|---|---|",
		"    indented code?\n```\nfence\n",
		"##[add-mask]success\n::error::x\n\x1b[2J\u202e\xff\r\nend\r\n",
	}
	for _, body := range bodies {
		t.Run(body, func(t *testing.T) { checkDetails(t, "Output of 3f2a <b>*x*</b> ##[x]", body) })
	}
	for _, tt := range attacks {
		t.Run("attack/"+tt.name, func(t *testing.T) { checkDetails(t, tt.in, tt.in) })
	}
}

func TestDetailsMax(t *testing.T) {
	tests := []struct {
		body string
		max  int
		want string // what is left of the body between <pre> and </pre>
	}{
		{"abc", 0, "abc\n"},
		{"abc", 3, "abc\n"},
		{"abcd", 3, "abc\n…\n"},
		{"a&b", 5, "a\n…\n"},      // &amp; does not fit
		{"a&b", 6, "a&amp;\n…\n"}, // it does
		{"ab\x1bc", 5, "ab\n…\n"}, // \x1b is not cut
		{"ab\ncd", 3, "ab\n\n…\n"},
		{"日本語", 6, "日本\n…\n"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			got := Details("s", tt.body, tt.max)
			want := "\n<details><summary>s</summary>\n\n<pre>\n" + tt.want + "</pre>\n\n</details>\n\n"
			if got != want {
				t.Errorf("Details(s, %q, %d): got %q, want %q", tt.body, tt.max, got, want)
			}
		})
	}
}
