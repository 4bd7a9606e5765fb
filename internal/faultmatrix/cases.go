package faultmatrix

import (
	"net/http"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

// The CLI's scaled-down schedule and its bounds. The binary runs in real
// time, on a machine that may be loaded, so no time in CLI mode is asserted
// closely: the exact schedule is held in Library mode, on fake time.
const (
	// CLIInterval and CLIMaxInterval space the polls: 20 ms apart, growing
	// to 100 ms.
	CLIInterval    = 20 * time.Millisecond
	CLIMaxInterval = 100 * time.Millisecond
	// CLITimeout is the --timeout of a case that expects the wait to end by
	// itself, long before: only a hang reaches it.
	CLITimeout = 20 * time.Second
	// CLIShortTimeout is the --timeout of a case that --timeout ends: long
	// enough for a binary started on a loaded machine to get its first
	// answers well before it, and shorter than every limit without a flag
	// (the 10 s not-found grace, the 15 s per-request timeout).
	CLIShortTimeout = 3 * time.Second
	// CLIMaxTime is the time bound of every CLI run: it only catches a
	// hang, such as a sleep or a request that an interrupt or --timeout
	// failed to cut.
	CLIMaxTime = 15 * time.Second
)

// Short names for the statuses in the table.
const (
	none      client.Status = ""
	queued                  = client.StatusQueued
	running                 = client.StatusRunning
	success                 = client.StatusSuccess
	failure                 = client.StatusFailure
	paused    client.Status = "paused" // a status the API does not document
	hugeBytes               = 24 << 20 // tens of MB, under the cap
	overBytes               = client.DefaultMaxBodySize
)

// CLI exit codes (see cmd/anchor-wait).
const (
	exitOK          = 0
	exitFailure     = 1
	exitWaitTimeout = 3
	exitAPIError    = 4
	exitInterrupted = 130
)

const (
	ms     = time.Millisecond
	sec    = time.Second
	minute = time.Minute
)

func one(sc anchortest.Script) []Execution { return []Execution{{Script: sc}} }

func statuses(s ...client.Status) []client.Status { return s }

// lib is a Library-mode run.
func lib(s Setup, w Want) Run { return Run{Setup: s, Want: w} }

// cli is a CLI-mode run on the scaled-down schedule, with CLITimeout unless
// the setup sets a timeout, and CLIMaxTime as its time bound.
//
// Each execution's timeline starts at the first request for it (see
// Setup.Executions), but how far the binary gets along it, on a loaded
// machine, is not known: MinRequests counts only the requests that the
// outcome forces (a status seen before the final one needs a poll of its
// own), or that the faults force whatever the timing (the client's retries,
// faults by request number). MaxRequests allows every poll the schedule's
// shortest delays fit in before the final status, or in CLIShortTimeout.
func cli(s Setup, w Want) Run {
	if s.Interval == 0 {
		s.Interval, s.MaxInterval = CLIInterval, CLIMaxInterval
	}
	if s.Timeout == 0 {
		s.Timeout = CLITimeout
	}
	if w.MaxTime == 0 {
		w.MaxTime = CLIMaxTime
	}
	return Run{Setup: s, Want: w}
}

// notInCLI is a CLI-mode run that is skipped, saying why.
func notInCLI(why string) Run { return Run{Skip: why} }

// succeedWith is an execution that runs for run, then succeeds, with the
// given faults.
func succeedWith(run time.Duration, faults ...anchortest.Fault) anchortest.Script {
	sc := anchortest.Succeed(0, run, "ok")
	sc.Faults = faults
	return sc
}

// runningWith is an execution that runs forever, with the given faults.
func runningWith(faults ...anchortest.Fault) anchortest.Script {
	sc := anchortest.Always(running)
	sc.Faults = faults
	return sc
}

func header(k, v string) http.Header { return http.Header{k: {v}} }

// badBody is a case of a 200 whose body cannot be decoded, twice, then a
// good one: the client's own retries get through.
func badBody(name, fault string, body anchortest.Body) Case {
	f := anchortest.Fault{ToRequest: 2, Body: body}
	return Case{
		Name:      name,
		Fault:     fault + ", for two requests in a row, then a good answer",
		Behaviour: "client.ErrBadResponse is transient: the poller polls again on its schedule (at 4 s, then 6.2 s), one request per poll: success",
		Library:   lib(Setup{Executions: one(succeedWith(0, f))}, Want{Status: statuses(success), MinTime: 6200 * ms, MaxTime: 6200 * ms, MinRequests: 3, MaxRequests: 3}),
		CLI:       cli(Setup{Executions: one(succeedWith(0, f))}, Want{Status: statuses(success), Exit: exitOK, MinTime: 50 * ms, MinRequests: 3, MaxRequests: 3}),
	}
}

// Cases returns the fault matrix: a new slice each call, so callers may
// change it.
func Cases() []Case {
	return []Case{
		{
			Name:      "no-fault",
			Fault:     "none: queued, running, then success",
			Behaviour: "polls on the schedule (at 0, 4, 6.2, 9.61, 14.9 s of the execution's age) and reports success",
			Library: lib(Setup{Executions: one(anchortest.Succeed(2*sec, 10*sec, "ok"))},
				Want{Status: statuses(success), MinTime: 12 * sec, MaxTime: 17 * sec, MinRequests: 5, MaxRequests: 5}),
			CLI: cli(Setup{Executions: one(anchortest.Succeed(100*ms, 300*ms, "ok"))},
				Want{Status: statuses(success), Exit: exitOK, MinTime: 300 * ms, MinRequests: 2, MaxRequests: 30}),
		},

		// 5xx.
		{
			Name:      "5xx-burst",
			Fault:     "503 for three requests in a row (one whole poll), then normal",
			Behaviour: "each 503 is one failed poll, retried on the poll schedule (one request per poll, no retries hidden inside a call): the fifth request sees success",
			Library: lib(Setup{Executions: one(succeedWith(3*sec, anchortest.Fault{FromRequest: 2, ToRequest: 4, Status: http.StatusServiceUnavailable}))},
				Want{Status: statuses(success), MinTime: 14 * sec, MaxTime: 15 * sec, MinRequests: 5, MaxRequests: 5}),
			CLI: cli(Setup{Executions: one(succeedWith(300*ms, anchortest.Fault{FromRequest: 2, ToRequest: 4, Status: http.StatusServiceUnavailable}))},
				Want{Status: statuses(success), Exit: exitOK, MinTime: 300 * ms, MinRequests: 5, MaxRequests: 30}),
		},
		{
			Name:      "5xx-outage-recovers",
			Fault:     "502 on every request for almost 3 min (library) / 1.1 s (CLI), then normal",
			Behaviour: "keeps polling through an outage shorter than the 5 min transient limit: success",
			Library: lib(Setup{Executions: one(anchortest.Script{
				Steps:  []anchortest.Step{{At: 0, Status: running}, {At: 4 * minute, Status: success}},
				Faults: []anchortest.Fault{{After: 10 * sec, Before: 3 * minute, Status: http.StatusBadGateway}},
			})}, Want{Status: statuses(success), MinTime: 4 * minute, MaxTime: 4*minute + 45*sec, MinRequests: 10, MaxRequests: 60}),
			CLI: cli(Setup{Executions: one(anchortest.Script{
				Steps:  []anchortest.Step{{At: 0, Status: running}, {At: 1500 * ms, Status: success}},
				Faults: []anchortest.Fault{{After: 100 * ms, Before: 1200 * ms, Status: http.StatusBadGateway}},
			})}, Want{Status: statuses(success), Exit: exitOK, MinTime: 1300 * ms, MinRequests: 2, MaxRequests: 60}),
		},
		{
			Name:      "5xx-outage-past-limit",
			Fault:     "500 on every request from the second on, for good",
			Behaviour: "library: gives up once polls have failed for 5 min in a row, with the last error and the last status seen; CLI: --timeout (3 s here) ends it first: exit 3",
			Library: lib(Setup{Executions: one(runningWith(anchortest.Fault{FromRequest: 2, Status: http.StatusInternalServerError}))},
				Want{Status: statuses(running), Err: APIStatus(http.StatusInternalServerError), MinTime: 5 * minute, MaxTime: 5*minute + 45*sec, MinRequests: 15, MaxRequests: 25}),
			CLI: cli(Setup{Executions: one(runningWith(anchortest.Fault{FromRequest: 2, Status: http.StatusInternalServerError})), Timeout: CLIShortTimeout},
				Want{Status: statuses(running), Exit: exitWaitTimeout, MinTime: CLIShortTimeout, MinRequests: 1, MaxRequests: 48}),
		},

		// 429 and retry hints.
		{
			Name:      "429-retry-after-seconds",
			Fault:     "429 with Retry-After: 20 (library) / 1 (CLI) seconds, then normal",
			Behaviour: "waits exactly as asked (a wait of up to 60 s is honoured within the call), then succeeds",
			Library: lib(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 1, Status: http.StatusTooManyRequests, Header: header("Retry-After", "20")}))},
				Want{Status: statuses(success), MinTime: 20 * sec, MaxTime: 21 * sec, MinRequests: 2, MaxRequests: 2}),
			CLI: cli(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 1, Status: http.StatusTooManyRequests, Header: header("Retry-After", "1")}))},
				Want{Status: statuses(success), Exit: exitOK, MinTime: sec, MinRequests: 2, MaxRequests: 2}),
		},
		{
			Name:      "429-retry-after-date",
			Fault:     "429 with Retry-After as an HTTP date 20 s (library) / 1 s (CLI) ahead, then normal",
			Behaviour: "reads the date against its own clock and waits until then, then succeeds",
			Library: lib(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 1, Status: http.StatusTooManyRequests, RetryAfterDate: 20 * sec}))},
				Want{Status: statuses(success), MinTime: 20 * sec, MaxTime: 21 * sec, MinRequests: 2, MaxRequests: 2}),
			// The date has a resolution of one second: the wait is at least
			// the second asked for, less the time the answer took to arrive.
			CLI: cli(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 1, Status: http.StatusTooManyRequests, RetryAfterDate: sec}))},
				Want{Status: statuses(success), Exit: exitOK, MinTime: 900 * ms, MinRequests: 2, MaxRequests: 2}),
		},
		{
			Name:      "retry-after-ms",
			Fault:     "503 with retry-after-ms: 2500 (library) / 600 (CLI), then normal",
			Behaviour: "never polls before the milliseconds asked (retry-after-ms wins over Retry-After); here the schedule's next poll, at 4 s, is later still: success",
			Library: lib(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 1, Status: http.StatusServiceUnavailable, Header: header("Retry-After-Ms", "2500")}))},
				Want{Status: statuses(success), MinTime: 4 * sec, MaxTime: 4 * sec, MinRequests: 2, MaxRequests: 2}),
			CLI: cli(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 1, Status: http.StatusServiceUnavailable, Header: header("Retry-After-Ms", "600")}))},
				Want{Status: statuses(success), Exit: exitOK, MinTime: 600 * ms, MinRequests: 2, MaxRequests: 2}),
		},
		{
			Name:      "429-retry-after-long",
			Fault:     "429 with Retry-After: 120 once, then normal",
			Behaviour: "the client does not retry within the call (the SDKs would, sooner than asked); the poller holds every wait for the 120 s asked: success at 120 s, with no request before",
			Library: lib(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 1, Status: http.StatusTooManyRequests, Header: header("Retry-After", "120")}))},
				Want{Status: statuses(success), MinTime: 120 * sec, MaxTime: 121 * sec, MinRequests: 2, MaxRequests: 2}),
			CLI: notInCLI("asks for two minutes; the library run shows the wait"),
		},
		{
			Name:      "503-should-retry-false",
			Fault:     "503 with x-should-retry: false for three requests, then normal",
			Behaviour: "the client obeys the header and does not repeat the request within the call; the poller still takes a 503 as transient, so the next polls come on schedule: success, one request per poll",
			Library: lib(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 3, Status: http.StatusServiceUnavailable, Header: header("X-Should-Retry", "false")}))},
				Want{Status: statuses(success), MinTime: 9 * sec, MaxTime: 10 * sec, MinRequests: 4, MaxRequests: 4}),
			CLI: cli(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 3, Status: http.StatusServiceUnavailable, Header: header("X-Should-Retry", "false")}))},
				Want{Status: statuses(success), Exit: exitOK, MinRequests: 4, MaxRequests: 4}),
		},

		// The network.
		{
			Name:      "connection-refused",
			Fault:     "nothing listens on the API's port: every connection is refused",
			Behaviour: "library: retried as transient until the 5 min limit, then client.ErrTransport; CLI: --timeout (3 s here) ends it first, and as no poll ever brought a status back, the API could not answer: exit 4",
			Library: lib(Setup{Executions: one(anchortest.Always(running)), Refused: true},
				Want{Status: statuses(none), Err: Transport, MinTime: 5 * minute, MaxTime: 5*minute + 45*sec, MinRequests: 15, MaxRequests: 25}),
			CLI: cli(Setup{Executions: one(anchortest.Always(running)), Refused: true, Timeout: CLIShortTimeout},
				Want{Status: statuses(none), Exit: exitAPIError, MinTime: CLIShortTimeout, MinRequests: 1, MaxRequests: 48}),
		},
		{
			Name:      "connection-dropped",
			Fault:     "the connection is closed before any answer, twice, then normal",
			Behaviour: "a transport error is transient: polled again on the schedule, one request per poll: success",
			Library: lib(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 2, Drop: anchortest.DropConnection}))},
				Want{Status: statuses(success), MinTime: 6200 * ms, MaxTime: 6200 * ms, MinRequests: 3, MaxRequests: 3}),
			CLI: cli(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 2, Drop: anchortest.DropConnection}))},
				Want{Status: statuses(success), Exit: exitOK, MinTime: 50 * ms, MinRequests: 3, MaxRequests: 3}),
		},
		{
			Name:      "connection-dropped-mid-body",
			Fault:     "status, headers and half the body, then the connection closes; twice, then normal",
			Behaviour: "the short body is a transport error, polled again on the schedule: success",
			Library: lib(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 2, Drop: anchortest.DropMidBody}))},
				Want{Status: statuses(success), MinTime: 6200 * ms, MaxTime: 6200 * ms, MinRequests: 3, MaxRequests: 3}),
			CLI: cli(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 2, Drop: anchortest.DropMidBody}))},
				Want{Status: statuses(success), Exit: exitOK, MinTime: 50 * ms, MinRequests: 3, MaxRequests: 3}),
		},
		{
			Name:      "slow-response",
			Fault:     "the first answer is held back an hour, longer than the 15 s per-request timeout",
			Behaviour: "the request is cut at 15 s and the next poll follows on the schedule (55 % later in the wait's life): success at 23 s, not an hour",
			Library: lib(Setup{Executions: one(succeedWith(0, anchortest.Fault{ToRequest: 1, Delay: time.Hour}))},
				Want{Status: statuses(success), MinTime: 23 * sec, MaxTime: 24 * sec, MinRequests: 2, MaxRequests: 2}),
			CLI: notInCLI("the 15 s per-request timeout has no flag; hung-server shows the CLI cutting a held request"),
		},
		{
			Name:      "hung-server",
			Fault:     "every answer is held back an hour",
			Behaviour: "library: each request is cut at 15 s, and after 5 min of failed polls the wait ends with client.ErrTransport; CLI: --timeout (3 s here) cuts the request in flight, and with no status ever seen: exit 4",
			Library: lib(Setup{Executions: one(runningWith(anchortest.Fault{Delay: time.Hour}))},
				Want{Status: statuses(none), Err: Transport, MinTime: 5 * minute, MaxTime: 7*minute + 30*sec, MinRequests: 7, MaxRequests: 12}),
			CLI: cli(Setup{Executions: one(runningWith(anchortest.Fault{Delay: time.Hour})), Timeout: CLIShortTimeout},
				Want{Status: statuses(none), Exit: exitAPIError, MinTime: CLIShortTimeout, MinRequests: 1, MaxRequests: 1}),
		},

		// Bodies.
		badBody("html-body", "a 200 whose body is a proxy's HTML error page", anchortest.HTMLBody()),
		badBody("empty-body", "a 200 with an empty body", anchortest.EmptyBody()),
		badBody("truncated-json", "a 200 whose JSON stops halfway", anchortest.TruncatedBody()),
		badBody("missing-field", "a 200 whose execution has no status field", anchortest.MissingField("status")),
		badBody("wrong-type", "a 200 whose execution has a number for its status", anchortest.WrongType("status")),
		{
			Name:      "html-forever",
			Fault:     "a 200 with an HTML page on every request",
			Behaviour: "library: transient until the 5 min limit, then client.ErrBadResponse; CLI: --timeout (3 s here) ends it first, with no status ever seen: exit 4",
			Library: lib(Setup{Executions: one(runningWith(anchortest.Fault{Body: anchortest.HTMLBody()}))},
				Want{Status: statuses(none), Err: BadResponse, MinTime: 5 * minute, MaxTime: 5*minute + 45*sec, MinRequests: 15, MaxRequests: 25}),
			CLI: cli(Setup{Executions: one(runningWith(anchortest.Fault{Body: anchortest.HTMLBody()})), Timeout: CLIShortTimeout},
				Want{Status: statuses(none), Exit: exitAPIError, MinTime: CLIShortTimeout, MinRequests: 1, MaxRequests: 48}),
		},
		{
			Name:      "unknown-status",
			Fault:     `the execution goes from queued to "paused", a status the API does not document`,
			Behaviour: "taken as not finished (never guessed as an outcome), logged once; the wait runs to its deadline and reports paused",
			Library: lib(Setup{Executions: one(anchortest.Script{Steps: []anchortest.Step{{At: 0, Status: queued}, {At: 2 * sec, Status: paused}}}), Timeout: 2 * minute},
				Want{Status: statuses(paused), Err: Deadline, MinTime: 2 * minute, MaxTime: 2 * minute, MinRequests: 5, MaxRequests: 15}),
			CLI: cli(Setup{Executions: one(anchortest.Script{Steps: []anchortest.Step{{At: 0, Status: queued}, {At: 100 * ms, Status: paused}}}), Timeout: CLIShortTimeout},
				Want{Status: statuses(paused), Exit: exitWaitTimeout, MinTime: CLIShortTimeout, MinRequests: 2, MaxRequests: 48}),
		},
		{
			Name:      "huge-output",
			Fault:     "a success whose output is 24 MiB, under the 32 MiB cap on bodies",
			Behaviour: "read whole: success with all 24 MiB of output",
			Library: lib(Setup{Executions: one(succeedWith(0, anchortest.Fault{Body: anchortest.HugeOutput(hugeBytes)}))},
				Want{Status: statuses(success), MaxTime: 0, MinRequests: 1, MaxRequests: 1, Check: checkOutputLen(hugeBytes)}),
			CLI: cli(Setup{Executions: one(succeedWith(0, anchortest.Fault{Body: anchortest.HugeOutput(hugeBytes)}))},
				Want{Status: statuses(success), Exit: exitOK, MinRequests: 1, MaxRequests: 1, Check: checkOutputLen(hugeBytes)}),
		},
		{
			Name:      "body-over-cap",
			Fault:     "a success whose output alone is 32 MiB, so the body is just over the cap",
			Behaviour: "refused unread past the cap (client.ErrBodyTooLarge is not transient): the wait ends at once",
			Library: lib(Setup{Executions: one(succeedWith(0, anchortest.Fault{Body: anchortest.HugeOutput(overBytes)}))},
				Want{Status: statuses(none), Err: BodyTooLarge, MaxTime: 0, MinRequests: 1, MaxRequests: 1}),
			CLI: cli(Setup{Executions: one(succeedWith(0, anchortest.Fault{Body: anchortest.HugeOutput(overBytes)}))},
				Want{Status: statuses(none), Exit: exitAPIError, MinRequests: 1, MaxRequests: 1}),
		},

		// Not found, unauthorized.
		{
			Name:      "404-inside-grace",
			Fault:     "404 for the first 6 s (library) / 300 ms (CLI), as for a just-started execution",
			Behaviour: "a 404 within 10 s of the start means not visible yet: polling goes on, success",
			Library: lib(Setup{Executions: one(anchortest.Script{VisibleAfter: 6 * sec, Steps: []anchortest.Step{{At: 0, Status: success}}})},
				Want{Status: statuses(success), MinTime: 6 * sec, MaxTime: 7 * sec, MinRequests: 3, MaxRequests: 3}),
			CLI: cli(Setup{Executions: one(anchortest.Script{VisibleAfter: 300 * ms, Steps: []anchortest.Step{{At: 0, Status: success}}})},
				Want{Status: statuses(success), Exit: exitOK, MinTime: 250 * ms, MinRequests: 2, MaxRequests: 20}),
		},
		{
			Name:      "404-beyond-grace",
			Fault:     "404 for good",
			Behaviour: "library: the first 404 after the 10 s grace ends the wait with client.ErrNotFound; CLI: --timeout (3 s here, inside the grace) ends it first, with no status ever seen: exit 4",
			Library: lib(Setup{Executions: one(anchortest.Script{VisibleAfter: 1000 * time.Hour})},
				Want{Status: statuses(none), Err: NotFound, MinTime: 14 * sec, MaxTime: 15 * sec, MinRequests: 5, MaxRequests: 5}),
			CLI: cli(Setup{Executions: one(anchortest.Script{VisibleAfter: 1000 * time.Hour}), Timeout: CLIShortTimeout},
				Want{Status: statuses(none), Exit: exitAPIError, MinTime: CLIShortTimeout, MinRequests: 1, MaxRequests: 48}),
		},
		{
			Name:      "401-wrong-key",
			Fault:     "401: the key is not the server's",
			Behaviour: "permanent: the wait ends at once with client.ErrUnauthorized, one request, and the key shown nowhere",
			Library: lib(Setup{Executions: one(anchortest.Always(running)), WrongKey: true},
				Want{Status: statuses(none), Err: Unauthorized, MaxTime: 0, MinRequests: 1, MaxRequests: 1}),
			CLI: cli(Setup{Executions: one(anchortest.Always(running)), WrongKey: true},
				Want{Status: statuses(none), Exit: exitAPIError, MinRequests: 1, MaxRequests: 1}),
		},
		{
			Name:      "403-forbidden",
			Fault:     "403 on every request",
			Behaviour: "permanent: the wait ends at once with client.ErrUnauthorized, one request",
			Library: lib(Setup{Executions: one(runningWith(anchortest.Fault{Status: http.StatusForbidden}))},
				Want{Status: statuses(none), Err: Unauthorized, MaxTime: 0, MinRequests: 1, MaxRequests: 1}),
			CLI: cli(Setup{Executions: one(runningWith(anchortest.Fault{Status: http.StatusForbidden}))},
				Want{Status: statuses(none), Exit: exitAPIError, MinRequests: 1, MaxRequests: 1}),
		},

		// The server's clock and timeline.
		{
			Name:      "clock-far-future",
			Fault:     "startTime " + futureStart + " (year 10000 in UTC) and executionTime of minus a day",
			Behaviour: "nothing is computed from the server's clock: success, with startTime and executionTime passed on as sent",
			Library: lib(Setup{Executions: []Execution{{ID: futureID, Script: clockScript(futureID, futureStart, futureExecMillis)}}},
				Want{Status: statuses(success), MinTime: 6 * sec, MaxTime: 7 * sec, MinRequests: 3, MaxRequests: 3, Check: checkClock(futureStart, futureExecMillis)}),
			CLI: cli(Setup{Executions: []Execution{{ID: futureID, Script: clockScript(futureID, futureStart, futureExecMillis)}}},
				Want{Status: statuses(success), Exit: exitOK, MinRequests: 3, MaxRequests: 3, Check: checkClock(futureStart, futureExecMillis)}),
		},
		{
			Name:      "clock-far-past",
			Fault:     "startTime " + pastStart + " and an executionTime of 55 years",
			Behaviour: "success, with startTime and executionTime passed on as sent",
			Library: lib(Setup{Executions: []Execution{{ID: pastID, Script: clockScript(pastID, pastStart, pastExecMillis)}}},
				Want{Status: statuses(success), MinTime: 6 * sec, MaxTime: 7 * sec, MinRequests: 3, MaxRequests: 3, Check: checkClock(pastStart, pastExecMillis)}),
			CLI: cli(Setup{Executions: []Execution{{ID: pastID, Script: clockScript(pastID, pastStart, pastExecMillis)}}},
				Want{Status: statuses(success), Exit: exitOK, MinRequests: 3, MaxRequests: 3, Check: checkClock(pastStart, pastExecMillis)}),
		},
		{
			Name:      "flip-running-to-queued",
			Fault:     "queued, running, back to queued, running again, then success",
			Behaviour: "only a final status ends the wait; going back is reported as a status change: success",
			Library: lib(Setup{Executions: one(anchortest.Script{Steps: []anchortest.Step{
				{At: 0, Status: queued}, {At: 2 * sec, Status: running}, {At: 5 * sec, Status: queued}, {At: 9 * sec, Status: running}, {At: 14 * sec, Status: success}}})},
				Want{Status: statuses(success), MinTime: 14 * sec, MaxTime: 22 * sec, MinRequests: 5, MaxRequests: 10}),
			CLI: cli(Setup{Executions: one(anchortest.Script{Steps: []anchortest.Step{
				{At: 0, Status: queued}, {At: 100 * ms, Status: running}, {At: 250 * ms, Status: queued}, {At: 450 * ms, Status: running}, {At: 700 * ms, Status: success}}})},
				Want{Status: statuses(success), Exit: exitOK, MinTime: 600 * ms, MinRequests: 2, MaxRequests: 30}),
		},

		// The caller.
		{
			Name:      "duplicate-ids",
			Fault:     "the same execution ID 50 times in one WaitAll (library) / 20 times in the arguments and again on stdin, in mixed case (CLI)",
			Behaviour: "polled once, as if listed once; every copy gets the same result",
			Library: lib(Setup{Executions: []Execution{{Script: anchortest.Succeed(sec, 3*sec, "ok"), Copies: 50}}},
				Want{Status: statuses(success), MinTime: 4 * sec, MaxTime: 5 * sec, MinRequests: 2, MaxRequests: 2}),
			CLI: cli(Setup{Executions: []Execution{{Script: anchortest.Succeed(100*ms, 300*ms, "ok"), Copies: 20}}, Stdin: true},
				Want{Status: statuses(success), Exit: exitOK, MinTime: 300 * ms, MinRequests: 2, MaxRequests: 30}),
		},
		{
			Name:      "cancel-in-retry-sleep",
			Fault:     "429 with Retry-After: 50, and the caller cancels (library: at 20 s; CLI: SIGINT once the 429 is answered) while the client sleeps",
			Behaviour: "the sleep ends at once: context.Canceled (CLI exit 130) with the last status seen, nothing more sent",
			Library: lib(Setup{Executions: one(runningWith(anchortest.Fault{FromRequest: 2, Status: http.StatusTooManyRequests, Header: header("Retry-After", "50")})), Cancel: &Cancel{At: 20 * sec}},
				Want{Status: statuses(running), Err: Canceled, MinTime: 20 * sec, MaxTime: 20 * sec, MinRequests: 2, MaxRequests: 2}),
			CLI: cli(Setup{Executions: one(runningWith(anchortest.Fault{FromRequest: 2, Status: http.StatusTooManyRequests, Header: header("Retry-After", "50")})), Cancel: &Cancel{Request: 2, Answered: true}},
				Want{Status: statuses(running), Exit: exitInterrupted, MinRequests: 2, MaxRequests: 2}),
		},
		{
			Name:      "cancel-mid-request",
			Fault:     "an answer held back an hour, and the caller cancels (library: at 5 s; CLI: SIGINT once the request arrives) while it waits for it",
			Behaviour: "the request is abandoned at once: context.Canceled (CLI exit 130) with the last status seen",
			Library: lib(Setup{Executions: one(runningWith(anchortest.Fault{FromRequest: 2, Delay: time.Hour})), Cancel: &Cancel{At: 5 * sec}},
				Want{Status: statuses(running), Err: Canceled, MinTime: 5 * sec, MaxTime: 5 * sec, MinRequests: 2, MaxRequests: 2}),
			CLI: cli(Setup{Executions: one(runningWith(anchortest.Fault{FromRequest: 2, Delay: time.Hour})), Cancel: &Cancel{Request: 2}},
				Want{Status: statuses(running), Exit: exitInterrupted, MinRequests: 2, MaxRequests: 2}),
		},

		// Combinations.
		{
			Name:      "combo-outage-429-drop-garbage",
			Fault:     "in a row: 503, 429 with Retry-After, a connection dropped mid-body, an HTML page, truncated JSON, then normal",
			Behaviour: "each is handled as alone, one request per poll on the schedule, the 429's wait honoured: success",
			Library:   lib(Setup{Executions: one(succeedWith(8*sec, comboFaults("3")...))}, Want{Status: statuses(success), MinTime: 35 * sec, MaxTime: 36 * sec, MinRequests: 7, MaxRequests: 7}),
			CLI:       cli(Setup{Executions: one(succeedWith(300*ms, comboFaults("1")...))}, Want{Status: statuses(success), Exit: exitOK, MinTime: 1 * sec, MinRequests: 7, MaxRequests: 12}),
		},
		{
			Name:      "combo-key-echo",
			Fault:     "the server echoes the API key: in a 503's message, in an HTML page, then in the errorMessage and output of a failure",
			Behaviour: "failure reported (CLI exit 1), and the key appears in no error, log line, stdout or stderr",
			Library: lib(Setup{Executions: []Execution{{ID: keyEchoID, Script: keyEchoScript()}}},
				Want{Status: statuses(failure), Err: Unsuccessful, MinTime: 9 * sec, MaxTime: 10 * sec, MinRequests: 4, MaxRequests: 4}),
			CLI: cli(Setup{Executions: []Execution{{ID: keyEchoID, Script: keyEchoScript()}}},
				Want{Status: statuses(failure), Exit: exitFailure, MinTime: 50 * ms, MinRequests: 4, MaxRequests: 4}),
		},
		{
			Name:      "combo-fan-out",
			Fault:     "three executions at once: one behind a 503 burst, one that fails, one answered 403",
			Behaviour: "each wait ends on its own: success, failure and unauthorized side by side; the 403 does not stop the others (CLI exit 4: the API could not answer for one)",
			Library: lib(Setup{Executions: []Execution{
				{Script: succeedWith(3*sec, anchortest.Fault{FromRequest: 2, ToRequest: 4, Status: http.StatusServiceUnavailable})},
				{Script: anchortest.Fail(sec, 2*sec, "selector #buy not found")},
				{Script: runningWith(anchortest.Fault{Status: http.StatusForbidden})},
			}}, Want{Status: statuses(success, failure, none), Err: Unsuccessful, MinTime: 14 * sec, MaxTime: 15 * sec, MinRequests: 8, MaxRequests: 8}),
			CLI: cli(Setup{Executions: []Execution{
				{Script: succeedWith(300*ms, anchortest.Fault{FromRequest: 2, ToRequest: 4, Status: http.StatusServiceUnavailable})},
				{Script: anchortest.Fail(100*ms, 200*ms, "selector #buy not found")},
				{Script: runningWith(anchortest.Fault{Status: http.StatusForbidden})},
			}}, Want{Status: statuses(success, failure, none), Exit: exitAPIError, MinTime: 300 * ms, MinRequests: 8, MaxRequests: 40}),
		},
		{
			Name:      "combo-404-flip-garbage-unknown",
			Fault:     "404 at first, then running, a truncated body, back to queued, a wrong-typed body, an undocumented status, then success",
			Behaviour: "none of it ends the wait early or is taken as an outcome: success",
			Library: lib(Setup{Executions: one(comboTimeline(sec))},
				Want{Status: statuses(success), MinTime: 40 * sec, MaxTime: 75 * sec, MinRequests: 8, MaxRequests: 25}),
			CLI: cli(Setup{Executions: one(comboTimeline(25 * ms))},
				Want{Status: statuses(success), Exit: exitOK, MinTime: 900 * ms, MinRequests: 2, MaxRequests: 60}),
		},
	}
}

// comboFaults is 503, 429 (Retry-After retryAfter), a drop mid-body, HTML
// and truncated JSON, one request each from the second on.
func comboFaults(retryAfter string) []anchortest.Fault {
	return []anchortest.Fault{
		{FromRequest: 2, ToRequest: 2, Status: http.StatusServiceUnavailable},
		{FromRequest: 3, ToRequest: 3, Status: http.StatusTooManyRequests, Header: header("Retry-After", retryAfter)},
		{FromRequest: 4, ToRequest: 4, Drop: anchortest.DropMidBody},
		{FromRequest: 5, ToRequest: 5, Body: anchortest.HTMLBody()},
		{FromRequest: 6, ToRequest: 6, Body: anchortest.TruncatedBody()},
	}
}

// comboTimeline is an execution hidden for 3 units, then running, queued
// again at 10, paused at 20 and success at 40 units, with a truncated body
// on the 5th request and a wrong-typed status on the 7th.
func comboTimeline(unit time.Duration) anchortest.Script {
	return anchortest.Script{
		VisibleAfter: 3 * unit,
		Steps: []anchortest.Step{
			{At: 0, Status: running}, {At: 10 * unit, Status: queued}, {At: 20 * unit, Status: paused}, {At: 40 * unit, Status: success},
		},
		Faults: []anchortest.Fault{
			{FromRequest: 5, ToRequest: 5, Body: anchortest.TruncatedBody()},
			{FromRequest: 7, ToRequest: 7, Body: anchortest.WrongType("status")},
		},
	}
}
