package main

import (
	"fmt"
	"strings"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/webhook"
)

// helpWidth is the width the help is wrapped to, as anchor-wait's.
const helpWidth = 100

// helpAbout is what anchor-fake is, at the top of its help.
const helpAbout = `anchor-fake serves a fake Anchor Browser API on a local port, for testing pipelines that wait
on Anchor task executions without the real service, and prints its base URL on stdout.
POST /v1/task/run starts an execution of any task (a UUID); polls of
GET /v1/task/{taskId}/executions/{executionId} then see it queued for --queued, running for
--running, and ending as --status or --outcomes say. SIGINT or SIGTERM stops it cleanly.
`

// helpExamples are command lines for the help.
var helpExamples = []string{
	"anchor-fake --addr 127.0.0.1:8080 --api-key test-key",
	"anchor-fake --addr 127.0.0.1:0 --outcomes success=3,failure=1   # every 4th execution fails",
	"anchor-fake --status queued          # executions that never start: see anchor-wait --stall",
	"anchor-fake --webhook-url http://127.0.0.1:9000/anchor --webhook-secret-file secret.txt",
}

const helpEnvironment = `Environment:
  ` + client.EnvAPIKey + `         the API key clients must send (unless --api-key); never printed
  ` + webhook.EnvSecret + `  the webhook signing secret (unless --webhook-secret-file); never printed
`

const helpExitCodes = `Exit codes:
  0    stopped by SIGINT or SIGTERM (or --help, --version)
  1    the address cannot be listened on
  2    bad flags, or no API key
`

// helpText is the help of anchor-fake, made from the flag table.
func helpText() string {
	var b strings.Builder
	b.WriteString(helpAbout)
	b.WriteString("\nUsage:\n  anchor-fake [flags]\n\nExamples:\n")
	for _, ex := range helpExamples {
		b.WriteString("  " + ex + "\n")
	}
	b.WriteString("\nFlags:\n")
	col := 0
	for _, f := range flagTable {
		col = max(col, len(flagSpelling(f)))
	}
	for _, f := range flagTable {
		text := f.usage
		if f.def != "" {
			text += " (default " + f.def + ")"
		}
		b.WriteString(wrapHelp(fmt.Sprintf("  %-*s  ", col, flagSpelling(f)), text))
	}
	b.WriteString("\n" + helpEnvironment + "\n" + helpExitCodes)
	return b.String()
}

// flagSpelling is how the help spells a flag: "--addr ADDRESS", "-v, --verbose".
func flagSpelling(f fakeFlag) string {
	s := "--" + f.name
	if f.short != "" {
		s = "-" + f.short + ", " + s
	}
	if f.arg != "" {
		s += " " + f.arg
	}
	return s
}

// wrapHelp returns text after prefix, wrapped to helpWidth with the
// following lines indented as far as the prefix.
func wrapHelp(prefix, text string) string {
	indent := strings.Repeat(" ", len(prefix))
	var b strings.Builder
	line, fresh := prefix, true
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
