package main

import (
	"strings"
	"unicode/utf8"

	"github.com/anchorwait/anchorwait/internal/safetext"
)

// The seams where text from the server meets a context it is written in,
// one function per context. Each takes the text as it came (the output
// layer has redacted it) and returns it safe for that context, as package
// safetext decides: no control, bidi or invisible character, and no
// workflow command ("::x" or "##[x]") that the GitHub Actions runner would
// act on. They are called only by the output layer's methods of the same
// names (line, lines, excerpt, commandData, commandProperty, markdownCell,
// details, json).
//
// Every line anchor-wait writes that carries such text starts with text of
// its own (an execution ID, "anchor-wait: ", a word of a table), so no
// problem matcher anchored at the start of a line takes the server's text
// for a line of its own.

// safeLine makes s safe inside one line of a terminal or a log.
func safeLine(s string) string { return safetext.Line(s) }

// safeLines makes s, which may span lines, safe line by line.
func safeLines(s string) string { return safetext.Lines(s) }

// safeExcerpt makes s one line with runs of white space made one space,
// cut to n characters with "…" when longer.
func safeExcerpt(s string, n int) string {
	return safetext.Excerpt(strings.Join(strings.Fields(s), " "), n)
}

// cutNote ends the message of a workflow command that was cut.
const cutNote = " (cut: the whole of it is in the step summary, --output json and --junit)"

// safeCommandData makes s the message of a workflow command, such as
// "::error title=T::MESSAGE": each of its lines neutralized, at most n
// characters in all (the runner takes 4096), cut with cutNote when longer,
// then escaped as the runner unescapes it (line breaks as %0A), with no
// "::" or "##[" left.
func safeCommandData(s string, n int) string {
	budget := n - len(cutNote)
	var kept []string
	cut := false
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		ln := safetext.Line(l)
		size := utf8.RuneCountInString(ln)
		if size > budget {
			if budget > 0 {
				kept = append(kept, safetext.Excerpt(l, budget)) // never cut inside an escape
			}
			cut = true
			break
		}
		budget -= size + 1
		kept = append(kept, ln)
	}
	msg := strings.Join(kept, "\n")
	if cut {
		msg += cutNote
	}
	return safetext.CommandData(msg)
}

// safeCommandProperty makes s the value of a workflow command's property.
func safeCommandProperty(s string) string { return safetext.CommandProperty(s) }

// safeMarkdownCell makes s, cut to n characters, a cell of a Markdown
// table that shows it as it is: a code span in which no |, link, image,
// HTML or emphasis works.
func safeMarkdownCell(s string, n int) string { return safetext.TableCell(safeExcerpt(s, n)) }

// safeDetails makes body a folded block of Markdown under summary, which
// shows it as it is; the body, escaped, is cut to maxBytes.
func safeDetails(summary, body string, maxBytes int) string {
	return safetext.Details(summary, body, maxBytes)
}

// safeJSON makes b, JSON from json.Marshal, safe to print: it decodes to
// the same values.
func safeJSON(b []byte) []byte { return safetext.JSON(b) }
