package safetext

import (
	"testing"

	"github.com/anchorwait/anchorwait/internal/runnercmd"
)

// The tests ask what the Actions runner would make of a line through
// internal/runnercmd, the port of its workflow-command parser (tested
// there against the runner's own unit tests).

// checkNoCommand fails t if the runner would find a command in any line of
// text.
func checkNoCommand(t *testing.T, what, text string) {
	t.Helper()
	for _, line := range runnercmd.Lines(text) {
		if c, ok := runnercmd.Parse(line); ok {
			t.Errorf("%s: the runner finds command %q (data %q) in line %q", what, c.Name, c.Data, line)
		}
	}
}
