// Package runnercmd is a port to Go of the GitHub Actions runner's
// workflow-command parser (src/Runner.Common/ActionCommand.cs in
// actions/runner at commit 258d6c857db3: TryParseV2 at lines 51-119 and
// the legacy TryParse at 121-189), with ordinal string searches, so that
// tests can ask what the runner would make of each line a program writes.
//
// Unlike the runner, any non-empty command name counts: stop-commands
// registers its token, which may be any word, as a command
// (src/Runner.Worker/ActionCommandManager.cs:113-115), so any name may be
// acted on. The runner's searches are culture-sensitive and skip
// characters without collation weight (NUL, U+200B, ...); callers check
// separately that no such character is left in the text.
//
// Its functions are pure and safe for concurrent use.
package runnercmd

import (
	"strings"
	"unicode"
)

// Command is a workflow command as the runner parses it.
type Command struct {
	Name  string
	Props map[string]string
	Data  string
	// Legacy is true for a command found by TryParse ("##[name]data",
	// anywhere in the line) rather than TryParseV2 ("::name::data" at the
	// start).
	Legacy bool
}

// Parse returns the command the runner would find in line, if any.
func Parse(line string) (Command, bool) {
	if c, ok := parseV2(line); ok {
		return c, true
	}
	return parseLegacy(line)
}

// Lines splits text into lines as the runner reads a step's output
// (StreamReader.ReadLine): at \n, \r and \r\n.
func Lines(text string) []string {
	return strings.FieldsFunc(strings.ReplaceAll(text, "\r\n", "\n"), func(r rune) bool { return r == '\n' || r == '\r' })
}

// Commands returns the commands the runner would find in text, one line
// at a time, in order.
func Commands(text string) []Command {
	var out []Command
	for _, line := range Lines(text) {
		if c, ok := Parse(line); ok {
			out = append(out, c)
		}
	}
	return out
}

func parseV2(message string) (Command, bool) {
	message = strings.TrimLeftFunc(message, unicode.IsSpace) // .NET TrimStart
	if !strings.HasPrefix(message, "::") {
		return Command{}, false
	}
	end := strings.Index(message[2:], "::")
	if end < 0 {
		return Command{}, false
	}
	end += 2
	info := message[2:end]
	name, props, hasProps := strings.Cut(info, " ")
	if name == "" {
		return Command{}, false // new ActionCommand("") throws; TryParseV2 returns false
	}
	c := Command{Name: name, Props: map[string]string{}}
	if hasProps {
		props = strings.TrimFunc(props, unicode.IsSpace)
		for _, p := range strings.Split(props, ",") {
			if k, v, ok := strings.Cut(p, "="); ok && k != "" {
				// Split('=', 2, RemoveEmptyEntries) drops the '=' that
				// start the value along with the empty entries.
				if v = strings.TrimLeft(v, "="); v != "" {
					c.Props[strings.ToLower(k)] = unescape(v, propertyMappings)
				}
			}
		}
	}
	c.Data = unescape(message[end+2:], dataMappings)
	return c, true
}

func parseLegacy(message string) (Command, bool) {
	start := strings.Index(message, "##[")
	if start < 0 {
		return Command{}, false
	}
	rb := strings.IndexByte(message[start:], ']')
	if rb < 0 {
		return Command{}, false
	}
	rb += start
	info := message[start+3 : rb]
	name, props, hasProps := strings.Cut(info, " ")
	if name == "" {
		return Command{}, false
	}
	c := Command{Name: name, Props: map[string]string{}, Legacy: true}
	if hasProps {
		for _, p := range strings.Split(props, ";") {
			if k, v, ok := strings.Cut(p, "="); ok && k != "" && v != "" {
				c.Props[strings.ToLower(k)] = unescape(v, legacyMappings)
			}
		}
	}
	c.Data = unescape(message[rb+1:], legacyMappings)
	return c, true
}

// The runner's escape mappings, in the order it unescapes with them
// (ActionCommand.cs:9-32).
var (
	legacyMappings   = [][2]string{{";", "%3B"}, {"\r", "%0D"}, {"\n", "%0A"}, {"]", "%5D"}, {"%", "%25"}}
	dataMappings     = [][2]string{{"\r", "%0D"}, {"\n", "%0A"}, {"%", "%25"}}
	propertyMappings = [][2]string{{"\r", "%0D"}, {"\n", "%0A"}, {":", "%3A"}, {",", "%2C"}, {"%", "%25"}}
)

func unescape(s string, mappings [][2]string) string {
	for _, m := range mappings {
		s = strings.ReplaceAll(s, m[1], m[0])
	}
	return s
}
