// Package poller waits for Anchor Browser task executions to finish.
//
// Anchor runs a task asynchronously and the only way to learn its outcome is
// to poll the execution until its status leaves queued and running. A Poller
// does that for one execution (Wait) or many at once (WaitAll): it polls at
// once, then on an exponential backoff schedule with jitter (Policy, built on
// github.com/cenkalti/backoff/v4) whose delays never exceed a maximum,
// until the status is terminal or the context ends, and makes one last poll
// just before a context deadline.
//
// Errors while polling are sorted the way the client package classifies
// them: permanent ones (unauthorized, bad request, bad ID) end a wait at
// once; a 404 is tolerated for a short grace after the wait starts, since a
// just-started execution may not be visible yet; transient ones (network,
// 429, 5xx, garbled body) are retried on the schedule until they have lasted
// past a bound. A wait the server asks for with Retry-After is never
// undercut, and a 429 holds back every wait of the Poller.
//
// WaitAll runs one goroutine per execution, so the ten-thousandth execution
// is polled as promptly as the first; the Poller bounds only requests in
// flight (and, as an option, requests per second). The requests themselves
// are made on a small pool of workers, one per request that may be in
// flight, so the goroutines that sleep between polls stay small.
//
// The package depends on a one-method Getter, not on HTTP: *client.Client
// is one, and tests can script their own. The schedule is a set of pure
// functions (Policy.Interval, Policy.ApplyJitter, NextPoll) that take the random
// numbers and times they need, so it is tested without sleeping.
package poller
