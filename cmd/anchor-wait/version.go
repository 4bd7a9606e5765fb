package main

import (
	"context"
	"io"
	"runtime"
	"runtime/debug"
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
		about: "anchor-wait version prints the version of anchor-wait (the module version it was\nbuilt from) and of Go, on stdout.\n",
	}, versionRun)
}

// versionRun is the version command, and anchor-wait --version.
func versionRun(_ context.Context, e *cliEnv, _ *versionOptions) int {
	io.WriteString(e.out.Stdout(), versionText())
	return exitSuccess
}

// toolVersion is the version of anchor-wait: the module version it was
// built from (set by go install module@version), else "(devel)".
func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// versionText is what --version prints.
func versionText() string {
	return "anchor-wait " + toolVersion() + " (" + runtime.Version() + ")\n"
}
