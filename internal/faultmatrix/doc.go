// Package faultmatrix is the table of faults that anchor-wait is tested
// against: every way the Anchor API and the network can misbehave, alone and
// combined, with what anchor-wait must do under each.
//
// One table serves two test modes. In Library mode a poller.Poller over a
// client.Client waits against anchortest.NewInMemoryServer inside a
// testing/synctest bubble, so outages of many minutes pass in milliseconds of
// real time. In CLI mode the anchor-wait binary waits against
// anchortest.NewServer on loopback, in real time, with durations scaled down
// so each case ends within seconds. Each Case says, per mode, how to set the
// fake up (Setup) and what must come out (Want): the last status seen, the
// class of the error or the exit code, a time bound and a bound on the
// requests sent.
//
// Document renders the table as docs/reliability.md, and a test checks the
// file against it, so the promises written there cannot drift from what is
// tested.
package faultmatrix
