package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// helpOptions are the options of help: the command to explain.
type helpOptions struct {
	topic command
}

func (o *helpOptions) targets() flagTargets { return flagTargets{} }

func (o *helpOptions) setArgs(positional []string) error {
	o.topic = cmdWait
	switch {
	case len(positional) > 1:
		return usagef("help takes at most one command, got %d arguments: want anchor-wait help [COMMAND]", len(positional))
	case len(positional) == 0:
		return nil
	}
	topic := positional[0]
	if lookupCommand(command(topic)) == nil {
		msg := fmt.Sprintf("no help on %s: want anchor-wait help, or help and one of %s", quoteValue(topic), strings.Join(commandWords(), ", "))
		if near := nearestCommand(strings.ToLower(topic)); near != "" {
			msg += " (the nearest is " + near + ")"
		}
		return usagef("%s", msg)
	}
	o.topic = command(topic)
	return nil
}

func helpCommand() *commandDef {
	return bindCommand(commandDef{
		name: cmdHelp,
		synopses: []synopsis{
			{"anchor-wait help [COMMAND]", "the help of anchor-wait, or of COMMAND (as anchor-wait COMMAND --help)"},
		},
		about: "anchor-wait help prints the help of anchor-wait, or of one of its commands, on stdout.\n",
		examples: []string{
			"anchor-wait help",
			"anchor-wait help run",
		},
	}, helpRun)
}

// helpRun is the help command.
func helpRun(_ context.Context, e *cliEnv, o *helpOptions) int {
	io.WriteString(e.out.Stdout(), helpText(o.topic))
	return exitSuccess
}

// The help of every command is made from the command table, the flag
// table and the exit table.

// helpWidth is the width the help is wrapped to.
const helpWidth = 100

// helpText returns the help of cmd.
func helpText(cmd command) string {
	c := lookupCommand(cmd)
	var b strings.Builder
	b.WriteString(c.about)
	b.WriteString("\nUsage:\n")
	synopses := c.synopses
	if cmd == cmdWait { // the main help lists every command
		synopses = nil
		for _, d := range commands {
			synopses = append(synopses, d.synopses...)
		}
	}
	b.WriteString(synopsesHelp(synopses))
	if len(c.examples) > 0 {
		b.WriteString("\nExamples:\n")
		for _, ex := range c.examples {
			b.WriteString("  " + ex + "\n")
		}
	}
	b.WriteString("\nFlags")
	if c.flagsNote != "" {
		b.WriteString(" " + c.flagsNote)
	}
	b.WriteString(":\n" + flagsHelp(cmd))
	if c.environment {
		b.WriteString("\n" + environmentHelp)
	}
	b.WriteString("\n" + exitCodesHelp() + c.exitNote)
	return b.String()
}

// synopsesHelp lists synopses in two columns.
func synopsesHelp(synopses []synopsis) string {
	col := 0
	for _, s := range synopses {
		col = max(col, len(s.form))
	}
	var b strings.Builder
	for _, s := range synopses {
		lines := strings.Split(s.what, "\n")
		fmt.Fprintf(&b, "  %-*s   %s\n", col, s.form, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(&b, "  %-*s   %s\n", col, "", l)
		}
	}
	return b.String()
}

// flagSpelling is how the help spells a flag: "--timeout DURATION",
// "-h, --help".
func flagSpelling(f flagDef) string {
	s := "--" + f.name
	if f.short != "" {
		s = "-" + f.short + ", " + s
	}
	if f.arg != "" {
		s += " " + f.arg
	}
	return s
}

// flagText is what the help says of a flag: its usage and its default.
func flagText(f flagDef) string {
	switch {
	case f.defText != "":
		return f.usage + " (default " + f.defText + ")"
	case f.def != "":
		return f.usage + " (default " + f.def + ")"
	}
	return f.usage
}

// flagsHelp is the flags section of cmd's help, from the flag table.
func flagsHelp(cmd command) string {
	flags := flagsOf(cmd)
	col := 0
	for _, f := range flags {
		col = max(col, len(flagSpelling(f)))
	}
	var b strings.Builder
	for _, f := range flags {
		b.WriteString(wrapHelp(fmt.Sprintf("  %-*s  ", col, flagSpelling(f)), flagText(f)))
	}
	return b.String()
}

// flagsMarkdown is the flag table of the README, from the flag table: the
// flags of the default command, then those only other commands take.
func flagsMarkdown() string {
	var b strings.Builder
	b.WriteString("| flag | meaning |\n|---|---|\n")
	row := func(prefix string, f flagDef) {
		spelling := "`" + prefix + "--" + f.name
		if f.arg != "" {
			spelling += " " + f.arg
		}
		spelling += "`"
		if f.short != "" {
			spelling = "`-" + f.short + "`, " + spelling
		}
		fmt.Fprintf(&b, "| %s | %s |\n", spelling, markdownCode(flagText(f)))
	}
	for _, f := range flagsOf(cmdWait) {
		row("", f)
	}
	// Then the flags of the other commands, each once, spelled with the
	// commands that take it: "run/start --count N".
	for _, f := range flagTable {
		if slices.Contains(f.cmds, cmdWait) {
			continue
		}
		var words []string
		for _, c := range commands {
			if slices.Contains(f.cmds, c.name) && c.name != cmdHelp {
				words = append(words, string(c.name))
			}
		}
		if len(words) > 0 {
			row(strings.Join(words, "/")+" ", f)
		}
	}
	return b.String()
}

// codeWords are what markdownCode marks as code: flags, environment
// variables and values to type.
var codeWords = regexp.MustCompile(`(?:anchor-wait )?--[a-z][a-z0-9-]*|\$[A-Z_]+|\bANCHOR_|\bNO_COLOR\b|\bTERM=dumb\b|\b(?:text|jsonl?|draft|latest)\b`)

// markdownCode marks the flags, variables and values a help text names as
// code, for the README.
func markdownCode(s string) string {
	return codeWords.ReplaceAllStringFunc(s, func(w string) string { return "`" + w + "`" })
}

// wrapHelp returns text after prefix, wrapped to helpWidth with the
// following lines indented as far as the prefix, each line ending in a
// newline.
func wrapHelp(prefix, text string) string {
	indent := strings.Repeat(" ", len(prefix))
	var b strings.Builder
	line := prefix
	fresh := true // nothing of text on the line yet
	for _, word := range strings.Fields(text) {
		if !fresh && len(line)+1+len(word) > helpWidth {
			b.WriteString(line + "\n")
			line, fresh = indent, true
		}
		if !fresh {
			line += " "
		}
		line += word
		fresh = false
	}
	b.WriteString(line + "\n")
	return b.String()
}

const environmentHelp = `Environment:
  ANCHORBROWSER_API_KEY   the API key (unless --api-key-file); never printed
  ANCHORBROWSER_BASE_URL  the API server (unless --base-url)
  ANCHORBROWSER_WEBHOOK_SECRET
                          the webhook's signing secret, for --webhook-listen (unless
                          --webhook-secret-file); never printed
  NO_COLOR                when set, no color
  TERM=dumb               no color and no live line: no escape codes at all
  GITHUB_ACTIONS=true     also write ::error:: annotations for executions that did not succeed,
                          a table and the outputs to $GITHUB_STEP_SUMMARY, and status=, failed=,
                          exit-code= and execution-ids= to $GITHUB_OUTPUT (both must be regular
                          files)
`
