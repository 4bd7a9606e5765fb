package safetext

import (
	"strings"
	"testing"
	"unicode"

	"github.com/anchorwait/anchorwait/internal/runnercmd"
)

func TestCommandData(t *testing.T) {
	tests := []struct{ in, want string }{
		{"failed", "failed"},
		{"100% done", "100%25 done"},
		{"%0A literal", "%250A literal"},
		{"line1\nline2\r\nline3", "line1%0Aline2%0Aline3"},
		{"lone\rCR", `lone\rCR`},
		{"x\n::add-mask::success", "x%0A:\\:add-mask:\\:success"},
		{"##[stop-commands]tok", `##\[stop-commands]tok`},
		{"::error::x", `:\:error:\:x`},
		{"\x1b]0;t\x07 \u202e", `\x1b]0;t\x07 \u202e`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := CommandData(tt.in)
			if got != tt.want {
				t.Errorf("CommandData(%q): got %q, want %q", tt.in, got, tt.want)
			}
			checkAnnotation(t, "title", tt.in)
		})
	}
}

func TestCommandProperty(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Anchor execution 3f2a failed", "Anchor execution 3f2a failed"},
		{"a:b,c", "a%3Ab%2Cc"},
		{"x::error::y", `x%3A\%3Aerror%3A\%3Ay`},
		{"50%", "50%25"},
		{"a\nb", `a\nb`},
		{"t,file=/etc/passwd", "t%2Cfile=/etc/passwd"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := CommandProperty(tt.in)
			if got != tt.want {
				t.Errorf("CommandProperty(%q): got %q, want %q", tt.in, got, tt.want)
			}
			checkAnnotation(t, tt.in, "message")
		})
	}
}

// checkAnnotation builds the CLI's annotation with title and message and
// fails t unless the runner reads it as one error command whose only
// property is the title, neutralized, and whose message is the message,
// neutralized.
func checkAnnotation(t *testing.T, title, message string) {
	t.Helper()
	line := "::error title=" + CommandProperty(title) + "::" + CommandData(message)
	if strings.ContainsAny(line, "\r\n") {
		t.Fatalf("annotation %q is more than one line", line)
	}
	if strings.Contains(line, "##[") {
		t.Errorf("annotation %q holds ##[", line)
	}
	c, ok := runnercmd.Parse(line)
	if !ok || c.Name != "error" || c.Legacy {
		t.Fatalf("the runner reads %q as %+v, %v; want the error command", line, c, ok)
	}
	// The runner trims white space at the end of the properties, and
	// Split('=', 2, RemoveEmptyEntries) drops '=' that start the value.
	wantTitle := strings.TrimLeft(strings.TrimRightFunc(Line(title), unicode.IsSpace), "=")
	wantProps := 1
	if wantTitle == "" {
		wantProps = 0
	}
	if len(c.Props) != wantProps || c.Props["title"] != wantTitle {
		t.Errorf("the runner reads the properties of %q as %q, want title=%q only", line, c.Props, wantTitle)
	}
	if want := Lines(message); c.Data != want {
		t.Errorf("the runner reads the message of %q as %q, want %q", line, c.Data, want)
	}
}
