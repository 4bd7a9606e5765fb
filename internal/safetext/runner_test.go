package safetext

import (
	"strings"
	"testing"
	"unicode"
)

// This file ports the Actions runner's workflow-command parser
// (src/Runner.Common/ActionCommand.cs in actions/runner, TryParseV2 at
// lines 51-119 and TryParse at 121-189) to Go, with ordinal string
// searches, so tests can ask what the runner would make of a line.
//
// Unlike the runner, any non-empty command name counts: stop-commands
// registers its token, which may be any word, as a command
// (src/Runner.Worker/ActionCommandManager.cs:113-115), so any name may be
// acted on. The runner's searches are culture-sensitive and skip
// characters without collation weight; the tests check separately that no
// such character is left in the text.

// command is a workflow command as the runner parses it.
type command struct {
	name   string
	props  map[string]string
	data   string
	legacy bool // found by TryParse ("##[name]data"), not TryParseV2
}

// parseCommand returns the command the runner would find in line, if any.
func parseCommand(line string) (command, bool) {
	if c, ok := parseV2(line); ok {
		return c, true
	}
	return parseLegacy(line)
}

func parseV2(message string) (command, bool) {
	message = strings.TrimLeftFunc(message, unicode.IsSpace) // .NET TrimStart
	if !strings.HasPrefix(message, "::") {
		return command{}, false
	}
	end := strings.Index(message[2:], "::")
	if end < 0 {
		return command{}, false
	}
	end += 2
	info := message[2:end]
	name, props, hasProps := strings.Cut(info, " ")
	if name == "" {
		return command{}, false // new ActionCommand("") throws; TryParseV2 returns false
	}
	c := command{name: name, props: map[string]string{}}
	if hasProps {
		props = strings.TrimFunc(props, unicode.IsSpace)
		for _, p := range strings.Split(props, ",") {
			if k, v, ok := strings.Cut(p, "="); ok && k != "" {
				// Split('=', 2, RemoveEmptyEntries) drops the '=' that
				// start the value along with the empty entries.
				if v = strings.TrimLeft(v, "="); v != "" {
					c.props[strings.ToLower(k)] = unescape(v, propertyMappings)
				}
			}
		}
	}
	c.data = unescape(message[end+2:], dataMappings)
	return c, true
}

func parseLegacy(message string) (command, bool) {
	start := strings.Index(message, "##[")
	if start < 0 {
		return command{}, false
	}
	rb := strings.IndexByte(message[start:], ']')
	if rb < 0 {
		return command{}, false
	}
	rb += start
	info := message[start+3 : rb]
	name, props, hasProps := strings.Cut(info, " ")
	if name == "" {
		return command{}, false
	}
	c := command{name: name, props: map[string]string{}, legacy: true}
	if hasProps {
		for _, p := range strings.Split(props, ";") {
			if k, v, ok := strings.Cut(p, "="); ok && k != "" && v != "" {
				c.props[strings.ToLower(k)] = unescape(v, legacyMappings)
			}
		}
	}
	c.data = unescape(message[rb+1:], legacyMappings)
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

// runnerLines splits text into lines as StreamReader.ReadLine does: at
// \n, \r and \r\n.
func runnerLines(text string) []string {
	return strings.FieldsFunc(strings.ReplaceAll(text, "\r\n", "\n"), func(r rune) bool { return r == '\n' || r == '\r' })
}

// checkNoCommand fails t if the runner would find a command in any line of
// text.
func checkNoCommand(t *testing.T, what, text string) {
	t.Helper()
	for _, line := range runnerLines(text) {
		if c, ok := parseCommand(line); ok {
			t.Errorf("%s: the runner finds command %q (data %q) in line %q", what, c.name, c.data, line)
		}
	}
}

// TestParseCommand checks the port against the runner's own unit tests
// (src/Test/L0/Worker/ActionCommandL0.cs) and the attacks this package
// is for, so the fuzzers' oracle is known to find commands.
func TestParseCommand(t *testing.T) {
	tests := []struct {
		line   string
		name   string
		props  map[string]string
		data   string
		legacy bool
	}{
		{line: "##[do-something k1=v1;]msg", name: "do-something", props: map[string]string{"k1": "v1"}, data: "msg", legacy: true},
		{line: "##[do-something]", name: "do-something", props: map[string]string{}, legacy: true},
		{line: "##[do-something k1=%3B=%0D=%0A=%5D;]%3B-%0D-%0A-%5D", name: "do-something", props: map[string]string{"k1": ";=\r=\n=]"}, data: ";-\r-\n-]", legacy: true},
		{line: ">>>   ##[do-something k1=v1;]msg", name: "do-something", props: map[string]string{"k1": "v1"}, data: "msg", legacy: true},
		{line: "::do-something k1=v1,::msg", name: "do-something", props: map[string]string{"k1": "v1"}, data: "msg"},
		{line: "::do-something k1=;=%2C=%0D=%0A=]=%3A,::;-%0D-%0A-]-:-,", name: "do-something", props: map[string]string{"k1": ";=,=\r=\n=]=:"}, data: ";-\r-\n-]-:-,"},
		{line: "   ::do-something k1=v1,::msg", name: "do-something", props: map[string]string{"k1": "v1"}, data: "msg"},
		{line: "| 3f2a | failure | ##[add-mask]success |", name: "add-mask", props: map[string]string{}, data: "success |", legacy: true},
		{line: "anchor-wait: failed: ##[stop-commands]tok", name: "stop-commands", props: map[string]string{}, data: "tok", legacy: true},
		{line: "::error title=t::x ::add-mask::y", name: "error", props: map[string]string{"title": "t"}, data: "x ::add-mask::y"},
		{line: "\u00a0::echo::on", name: "echo", props: map[string]string{}, data: "on"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c, ok := parseCommand(tt.line)
			if !ok {
				t.Fatalf("got no command, want %q", tt.name)
			}
			if c.name != tt.name || c.data != tt.data || c.legacy != tt.legacy {
				t.Errorf("got name %q, data %q, legacy %v; want %q, %q, %v", c.name, c.data, c.legacy, tt.name, tt.data, tt.legacy)
			}
			if len(c.props) != len(tt.props) {
				t.Errorf("got properties %q, want %q", c.props, tt.props)
			}
			for k, v := range tt.props {
				if c.props[k] != v {
					t.Errorf("got property %s=%q, want %q", k, c.props[k], v)
				}
			}
		})
	}
	for _, line := range []string{"   >>>   ::do-something k1=v1,::msg", "::::", "##[]x", "##[no end", "a:b: c::d", "success"} {
		t.Run("none/"+line, func(t *testing.T) {
			if c, ok := parseCommand(line); ok {
				t.Errorf("got command %q, want none", c.name)
			}
		})
	}
}
