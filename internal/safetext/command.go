package safetext

import "strings"

// The runner unescapes a command's data with %0D, %0A and %25 and its
// property values with those and %3A and %2C
// (src/Runner.Common/ActionCommand.cs:18-32, 227-257). A Replacer makes
// one pass, so the '%' of an escape it writes is not escaped again.
var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// CommandData returns s as the message of a workflow command such as
// "::error title=...::MESSAGE": each line of it neutralized as Lines does,
// then escaped as the runner unescapes a command's data, line breaks as
// %0A. The result is one line that holds no "::" and no "##[": text after
// a command's second "::" cannot end it, start another, switch commands
// off or mask words, and the runner reads back exactly Lines(s) (with \n
// line breaks). It is safe for concurrent use.
func CommandData(s string) string {
	return dataEscaper.Replace(Lines(s))
}

// CommandProperty returns s as the value of a workflow command's property,
// such as the title in "::error title=VALUE::...": neutralized as Line
// does, then escaped as the runner unescapes a property ('%', ':', ',' and
// line breaks), so the value cannot end the properties or the command
// early; the runner reads back exactly Line(s), less the white space it
// trims at the end of the properties. It is safe for concurrent use.
func CommandProperty(s string) string {
	return propertyEscaper.Replace(Line(s))
}
