//go:build !race

package anchortest

// raceEnabled reports whether the tests run under the race detector, which
// makes them about ten times slower.
const raceEnabled = false
