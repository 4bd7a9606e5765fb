package main

import "strings"

// The seams where text from the server meets a context it is written in,
// one function per context. Each takes the text as it came (the output
// layer has redacted it) and returns it safe for that context. They are
// called only by the output layer's methods of the same names (line,
// excerpt, annotation, markdownCell, markdownBlock).

// safeLine makes s safe inside one line of a terminal or a log: control
// characters become spaces.
func safeLine(s string) string { return oneLine(s) }

// safeAnnotation makes s safe inside the message of a GitHub workflow
// command. The command's own escaping (escapeData) is applied to the whole
// message after.
func safeAnnotation(s string) string { return s }

// safeMarkdownCell makes s, on one line already, safe inside a cell of a
// Markdown table: a | does not end the cell, and ` < > start no code or
// HTML.
func safeMarkdownCell(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'", "<", "&lt;", ">", "&gt;").Replace(s)
}

// safeMarkdownBlock makes s a block of Markdown that shows s as it is: a
// fenced code block whose fence is longer than any run of backquotes in s,
// so nothing in s can end it.
func safeMarkdownBlock(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return fence + "\n" + s + fence + "\n"
}
