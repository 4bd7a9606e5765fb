package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// withPeakRSS makes cmd, not started yet, run under GNU time, which
// reports the peak resident memory of the command alone, and returns a
// function that reads it, in bytes, once cmd has ended; false when GNU time
// is not installed. The child's own rusage would not do: os/exec starts it
// with vfork, and at exec the kernel keeps the larger of the two address
// spaces' peaks, so ru_maxrss counts the test process's memory too. GNU
// time passes the command's exit code on; a signal must not be sent to
// cmd, which is GNU time.
func withPeakRSS(t testing.TB, cmd *exec.Cmd) func() (int64, bool) {
	t.Helper()
	gnuTime, err := exec.LookPath("time")
	if err != nil {
		gnuTime = "/usr/bin/time"
	}
	if out, err := exec.Command(gnuTime, "--version").CombinedOutput(); err != nil || !strings.Contains(string(out), "GNU") {
		return func() (int64, bool) { return 0, false }
	}
	report := filepath.Join(t.TempDir(), "rss")
	cmd.Args = append([]string{gnuTime, "-q", "-f", "%M", "-o", report, "--", cmd.Path}, cmd.Args[1:]...)
	cmd.Path = gnuTime
	return func() (int64, bool) {
		b, err := os.ReadFile(report)
		if err != nil {
			return 0, false
		}
		fields := strings.Fields(string(b))
		if len(fields) == 0 {
			return 0, false
		}
		kib, err := strconv.ParseInt(fields[len(fields)-1], 10, 64)
		if err != nil {
			return 0, false
		}
		return kib << 10, true
	}
}
