package buildversion

import (
	"runtime/debug"
	"testing"
)

func TestFrom(t *testing.T) {
	withMain := func(v string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/anchorwait/anchorwait", Version: v}}
	}
	tests := []struct {
		name    string
		release string
		bi      *debug.BuildInfo
		ok      bool
		want    string
	}{
		{"a release build", "v1.4.0", withMain("(devel)"), true, "v1.4.0"},
		{"the release version wins over the module's", "v1.4.0", withMain("v1.3.9"), true, "v1.4.0"},
		{"go install module@version", "", withMain("v1.2.3"), true, "v1.2.3"},
		{"a build in a clone", "", withMain("(devel)"), true, Devel},
		{"no module version", "", withMain(""), true, Devel},
		{"no build info", "", nil, false, Devel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := From(tt.release, tt.bi, tt.ok); got != tt.want {
				t.Errorf("From(%q, %v, %v) = %q, want %q", tt.release, tt.bi, tt.ok, got, tt.want)
			}
		})
	}
}

func TestOf(t *testing.T) {
	if got := Of("v9.9.9"); got != "v9.9.9" {
		t.Errorf("Of(v9.9.9) = %q", got)
	}
	if got := Of(""); got == "" {
		t.Error(`Of("") is empty, want the module version or (devel)`)
	}
}
