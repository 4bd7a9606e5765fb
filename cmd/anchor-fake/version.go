package main

import (
	"runtime"

	"github.com/anchorwait/anchorwait/internal/buildversion"
)

// version is the release version of a binary built by GoReleaser, which
// sets it with -ldflags "-X main.version=v1.2.3" (see .goreleaser.yaml);
// "" in any other build.
var version string

// versionText is what --version prints: the release version of a release
// build, else the module version (go install module@version), else
// (devel); and Go's.
func versionText() string {
	return "anchor-fake " + buildversion.Of(version) + " (" + runtime.Version() + ")\n"
}
