package main

import (
	"context"
	"io"
	"runtime"

	"github.com/anchorwait/anchorwait/internal/buildversion"
)

// versionOptions are the options of version: none.
type versionOptions struct{}

func (o *versionOptions) targets() flagTargets { return flagTargets{} }

func (o *versionOptions) setArgs(positional []string) error { return noArgs(cmdVersion, positional) }

func versionCommand() *commandDef {
	return bindCommand(commandDef{
		name: cmdVersion,
		synopses: []synopsis{
			{"anchor-wait version", "print the version of anchor-wait (so does anchor-wait --version)"},
		},
		about: "anchor-wait version prints the version of anchor-wait and of Go, on stdout: the release\nversion of a release binary, the module version of one built by go install module@version,\nelse (devel).\n",
	}, versionRun)
}

// versionRun is the version command, and anchor-wait --version.
func versionRun(_ context.Context, e *cliEnv, _ *versionOptions) int {
	io.WriteString(e.out.Stdout(), versionText())
	return exitSuccess
}

// version is the release version of a binary built by GoReleaser, which
// sets it with -ldflags "-X main.version=v1.2.3" (see .goreleaser.yaml);
// "" in any other build.
var version string

// toolVersion is the version of anchor-wait: the release version of a
// release build, else the module version it was built from (go install
// module@version sets it), else "(devel)".
func toolVersion() string { return buildversion.Of(version) }

// versionText is what --version prints.
func versionText() string {
	return "anchor-wait " + toolVersion() + " (" + runtime.Version() + ")\n"
}
