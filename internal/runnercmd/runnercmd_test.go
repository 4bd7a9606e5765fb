package runnercmd

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestParse checks the port against the runner's own unit tests
// (src/Test/L0/Worker/ActionCommandL0.cs) and the attacks it is used to
// find.
func TestParse(t *testing.T) {
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
			c, ok := Parse(tt.line)
			if !ok {
				t.Fatalf("got no command, want %q", tt.name)
			}
			if c.Name != tt.name || c.Data != tt.data || c.Legacy != tt.legacy {
				t.Errorf("got name %q, data %q, legacy %v; want %q, %q, %v", c.Name, c.Data, c.Legacy, tt.name, tt.data, tt.legacy)
			}
			if len(c.Props) != len(tt.props) {
				t.Errorf("got properties %q, want %q", c.Props, tt.props)
			}
			for k, v := range tt.props {
				if c.Props[k] != v {
					t.Errorf("got property %s=%q, want %q", k, c.Props[k], v)
				}
			}
		})
	}
	for _, line := range []string{"   >>>   ::do-something k1=v1,::msg", "::::", "##[]x", "##[no end", "a:b: c::d", "success", `##\[add-mask]x`, `:\:error:\:x`} {
		t.Run("none/"+line, func(t *testing.T) {
			if c, ok := Parse(line); ok {
				t.Errorf("got command %q, want none", c.Name)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	got := Commands("a\r\n::error::one\rb ##[add-mask]x\n\n::warning::w")
	if len(got) != 3 || got[0].Name != "error" || got[1].Name != "add-mask" || got[2].Name != "warning" {
		t.Errorf("got %+v, want error, add-mask, warning", got)
	}
}
