// Package poller waits for Anchor Browser task executions to finish.
//
// Anchor runs a task asynchronously and the only way to learn its outcome is
// to ask the API until the status leaves queued and running. A Poller does
// that for one execution (Wait) or many at once (WaitAll, WaitEach), and
// starts tasks (Start), spending as few requests as it can and noticing each
// end soon after it happens.
//
// # One engine
//
// A Poller owns every request it causes. Waiting executions are small
// records in one queue ordered by when each is due; one dispatcher hands
// them, as they come due, to a pool of workers owned by an errgroup, which
// also carries fail-fast. Before any request (a poll, a retry, a page of a
// task's list, a start) a worker passes one budget: the bound on requests in
// flight, the caller's rate limit, the server's (what its RateLimit headers
// say remains, or what its 429s show), and a pause after a 429 or a
// Retry-After, shared by every wait. The client makes single attempts on
// this path (client.SingleAttempt): whether to try again, and when, is the
// Poller's to decide, so the budget counts what the server counts, and each
// Result says exactly how many requests were made for it.
//
// # The schedule
//
// When an execution is next due is one pure function, Policy.NextPoll: the
// Poller calls it after every answer, and tests and benchmarks call the same.
// Polls are placed in the execution's age (from its startTime, corrected for
// the server's clock with the answer's Date header): the second when it is
// 4 s old, then each time it has grown 55 % older, at most 30 s apart. So an
// end is seen within a fixed share of the execution's life, and a wait that
// attaches to an old execution starts at long delays. When the Poller knows
// how long the task's executions run (its history, from the task's list and
// the waits that ended), a running execution sleeps until the short end of
// that and is polled densely through it. Before a context deadline that the
// next delay would cross, one last poll lands just before it.
//
// # List sweeps
//
// For many executions of one task, the Poller reads pages of the task's list
// (newest first, 100 a page by default), each of which answers for every
// waited execution on it: an execution is refreshed with the page it stands
// on, due or not, and while its page holds others it is refreshed at least
// every sweep interval (10 s by default), so a fan-out of thousands costs
// less than a request per execution and sees each end within seconds.
// Places in the list follow the list's total as executions are added above;
// an execution the pages do not show is looked for again, or polled alone;
// a list that fails is left alone for a while and its executions polled one
// by one.
//
// # Errors
//
// Permanent errors (unauthorized, bad request, bad ID) end a wait at once; a
// 404 is tolerated for a grace after the wait starts, since a just-started
// execution may not be visible yet; transient ones (network, 429, 5xx,
// garbled body) are tried again on the schedule until they have lasted past
// a bound. A wait the server asks for with Retry-After is never undercut.
//
// The package depends on a small interface, API, not on HTTP: *client.Client
// implements it (and the optional methods for lists, starts and redaction),
// and tests can script their own.
package poller
