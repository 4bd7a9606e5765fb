// Package buildversion says which version of the module a binary is: the
// release version a release build was given through the linker, else the
// module version Go recorded (go install module@version), else "(devel)".
package buildversion

import "runtime/debug"

// Devel is the version of a binary built from a working tree.
const Devel = "(devel)"

// Of returns the version of the running binary. release is the version a
// release build sets with -ldflags "-X main.version=v1.2.3", "" for any
// other build. It is safe for concurrent use.
func Of(release string) string {
	bi, ok := debug.ReadBuildInfo()
	return From(release, bi, ok)
}

// From picks the version from release and from bi and ok, as
// debug.ReadBuildInfo returns them: release when it is set, else the main
// module's version, else Devel.
func From(release string, bi *debug.BuildInfo, ok bool) string {
	switch {
	case release != "":
		return release
	case ok && bi != nil && bi.Main.Version != "":
		return bi.Main.Version
	}
	return Devel
}
