//go:build !linux

package main

import "os"

// peakRSS reports that the peak resident memory is not known here.
func peakRSS(*os.ProcessState) (int64, bool) { return 0, false }
