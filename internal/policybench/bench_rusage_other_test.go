//go:build !unix

package policybench_test

import (
	"errors"
	"time"
)

var errNoRusage = errors.New("not measured on this platform")

// cpuTime returns the CPU time the process has used; not on this platform.
func cpuTime() (time.Duration, error) { return 0, errNoRusage }

// openFileLimit returns the limit on open file descriptors; not on this
// platform.
func openFileLimit() (uint64, error) { return 0, errNoRusage }
