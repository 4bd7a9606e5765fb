package safetext

import (
	"html"
	"strings"
)

// The rules relied on below are those of the GitHub Flavored Markdown spec
// (0.29-gfm, test/spec.txt in github.com/github/cmark-gfm) and of cmark-gfm,
// its implementation and GitHub's renderer:
//
//   - Code spans: a code span starts with a backtick string and ends at the
//     next backtick string of the same length; its content is literal
//     (backslash escapes, entities, HTML, links and emphasis do not work in
//     it), less one space at each end when it has one at both. "Code spans,
//     HTML tags, and autolinks have the same precedence", so the one that
//     starts first wins: a code span that opens a cell holds all of it.
//   - Tables: "Include a pipe in a cell's content by escaping it, including
//     inside other inline spans". cmark-gfm removes one backslash before
//     each pipe before it parses the cell's inlines
//     (extensions/table.c:93-112, unescape_pipes), and a pipe after a
//     backslash never ends a cell (extensions/ext_scanners.re:32-35,
//     table_cell = (escaped_char|[^|\r\n])+). So inside a code span each
//     '|' is written "\|", and a backslash of the text before it stays:
//     "\|" is written "\\|" and shows as "\|". The old way of escaping
//     pipes in text ("a\|b" written "a\\|b") shows "a|b": the text's own
//     backslash is eaten.
//   - Autolinks (extension): cmark-gfm links email addresses by scanning
//     text nodes after the inlines are parsed and joined
//     (extensions/autolink.c:272-404), so no backslash escape or entity in
//     text can stop "a@b.co" from becoming a mailto link. A code span is
//     not a text node, so nothing in one is ever linked.
//   - HTML blocks: a line that begins with "<pre" followed by '>' starts an
//     HTML block of type 1, which a blank line does not end; only a line
//     that contains "</pre>", "</script>" or "</style>" ("</textarea>"
//     too since CommonMark 0.30) does. Its content is raw HTML, not
//     Markdown. Escaping '&', '<', '>' and the quotes in it leaves no tag,
//     no entity and no end tag: nothing renders and nothing closes it
//     early. "<details>" starts a block of type 6, which ends at a blank
//     line: the blank line after the summary is what lets "<pre>" start a
//     block of its own (the spec's example with "<table><tr><td>" and
//     "<pre>" shows Markdown coming alive again when it is missing).

// TableCell returns s for a cell of a GitHub Flavored Markdown table:
// Line(s) in a code span, its fence a run of backticks of a length that no
// run in the text has, and every pipe escaped. Rendered, it shows exactly
// Line(s), in a monospace font, and nothing in it is a link, an image, an
// autolink, HTML, emphasis or a cell boundary. TableCell("") is "". It is
// safe for concurrent use.
func TableCell(s string) string {
	t := Line(s)
	if t == "" {
		return ""
	}
	fence := strings.Repeat("`", unusedRun(t))
	return fence + " " + strings.ReplaceAll(t, "|", `\|`) + " " + fence
}

// unusedRun returns the shortest length of a run of backticks that t does
// not hold.
func unusedRun(t string) int {
	var seen []bool // seen[n]: t has a run of exactly n backticks
	for i := 0; i < len(t); {
		if t[i] != '`' {
			i++
			continue
		}
		j := i
		for j < len(t) && t[j] == '`' {
			j++
		}
		for len(seen) <= j-i {
			seen = append(seen, false)
		}
		seen[j-i] = true
		i = j
	}
	n := 1
	for n < len(seen) && seen[n] {
		n++
	}
	return n
}

// Details returns a GitHub Flavored Markdown block that shows body under a
// one-line summary, folded:
//
//	(a blank line)
//	<details><summary>SUMMARY</summary>
//
//	<pre>
//	BODY
//	</pre>
//
//	</details>
//	(a blank line)
//
// The summary is Line(summary) and the body Lines(body), less one final
// line break, both HTML-escaped: nothing in them renders and nothing ends
// the block early. The blank lines around it keep the Markdown before and
// after it apart from it; the text before it must end with a line break.
// When max > 0 and the escaped body is longer than max bytes, it is cut
// after the last line break, rune or escape that fits, and a line "…"
// follows. GitHub takes at most 1 MiB of step summary per step
// (src/Runner.Worker/FileCommandManager.cs:223 in actions/runner), so a
// caller keeps max well below that. It is safe for concurrent use.
func Details(summary, body string, max int) string {
	var b strings.Builder
	b.WriteString("\n<details><summary>")
	b.WriteString(html.EscapeString(Line(summary)))
	b.WriteString("</summary>\n\n<pre>\n")
	if strings.HasSuffix(body, "\r\n") {
		body = body[:len(body)-2]
	} else {
		body = strings.TrimSuffix(body, "\n")
	}
	start, cut := b.Len(), false
	walk(body, true, func(piece string, atom bool) bool {
		if max <= 0 {
			b.WriteString(html.EscapeString(piece))
			return true
		}
		// An escape is printable ASCII without '&', '<', '>' or quotes: it
		// fits whole or not at all. Other text is written rune by rune
		// while it fits.
		if atom {
			if b.Len()-start+len(piece) > max {
				cut = true
				return false
			}
			b.WriteString(piece)
			return true
		}
		for _, r := range piece {
			e := html.EscapeString(string(r))
			if b.Len()-start+len(e) > max {
				cut = true
				return false
			}
			b.WriteString(e)
		}
		return true
	})
	if b.Len() > start {
		b.WriteString("\n")
	}
	if cut {
		b.WriteString(marker + "\n")
	}
	b.WriteString("</pre>\n\n</details>\n\n")
	return b.String()
}
