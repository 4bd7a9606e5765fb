package faultmatrix

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// DocPath is where Document's output is kept, relative to the module root.
const DocPath = "docs/reliability.md"

// Document renders cases as the reliability document: what anchor-wait
// promises under faults, a table of fault -> behaviour with the outcome and
// bounds each mode is held to. The output depends only on cases and the
// package defaults it quotes, so a test can compare it with DocPath.
func Document(cases []Case) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Reliability under faults\n\n")
	w("<!-- Generated from the fault matrix (internal/faultmatrix) by `go test ./internal/faultmatrix -update`. Do not edit. -->\n\n")
	w("A waiter is worth trusting only if it never hangs, never reports a wrong outcome and never\n")
	w("leaks the API key, whatever the server or the network does. This page lists the faults\n")
	w("anchor-wait is tested against and what it does under each. It is generated from the same\n")
	w("table the tests run, and a test fails when the two differ, so it says what is checked.\n\n")

	w("## What every case checks\n\n")
	w("For every case, in each mode it runs in:\n\n")
	w("- the outcome: the last status seen of each execution, and the class of the error\n")
	w("  (`errors.Is` or `errors.As`) in library mode or the exit code in CLI mode;\n")
	w("- that the wait ended within its time bound;\n")
	w("- that the requests sent, every retry included, stayed within their bound;\n")
	w("- that nothing panicked, and that no goroutine leaked: goleak in the test process, and\n")
	w("  the binary has to exit by itself;\n")
	w("- that the API key appears in no error, log line (client and poller log at debug level\n")
	w("  into a buffer that is searched), stdout, stderr or report file.\n\n")

	w("## Two modes\n\n")
	w("- **Library**: `poller.Poller` over `client.Client`, against `anchortest.NewInMemoryServer`\n")
	w("  inside `testing/synctest`. Time is fake, so durations are those of real life (a 5-minute\n")
	w("  outage takes milliseconds to test), and with the jitter fixed at its midpoint the\n")
	w("  schedule is exact. Times are fake time from the start of the wait.\n")
	w("- **CLI**: the `anchor-wait` binary against `anchortest.NewServer` on loopback, in real\n")
	w("  time, with `--output json --verbose --junit FILE --interval %v --max-interval %v`,\n", CLIInterval, CLIMaxInterval)
	w("  `--timeout %v` unless the case sets one, and `GITHUB_ACTIONS=true`, so every report it\n", CLITimeout)
	w("  writes is checked too. Durations are scaled down so each case ends within seconds;\n")
	w("  times are wall-clock for the whole process. Each execution joins the fake at the first\n")
	w("  request for it, so its timeline starts when the binary first asks, however long the\n")
	w("  binary took to start. As the machine may be loaded, the time bound (%v) only catches\n", CLIMaxTime)
	w("  a hang, a case that `--timeout` ends sets it to %v, and the request bound allows for\n", CLIShortTimeout)
	w("  polls coming late: at least those the outcome or the faults force, at most those the\n")
	w("  shortest delays fit in; the exact times and counts are held in library mode. The limits\n")
	w("  that have no flag (per-request timeout, transient limit, not-found grace) keep their\n")
	w("  defaults, so where the library ends a wait through one of them, the CLI case shows\n")
	w("  `--timeout` ending it first (exit 3 when a status was seen, 4 when no poll ever brought\n")
	w("  one back), or is not run.\n\n")

	w("## Defaults that shape the behaviour\n\n")
	p := poller.DefaultPolicy()
	w("| setting | default |\n|---|---|\n")
	w("| per-request timeout (`client.WithRequestTimeout`) | %v |\n", client.DefaultRequestTimeout)
	w("| retries | the poller's: each call sends one request (`client.SingleAttempt`), and a failed poll is polled again on the schedule below, never before a `retry-after-ms` / `Retry-After` (a 429 pauses every wait); a direct user of `client` gets %d retries within the call, as the official SDKs do |\n",
		client.DefaultMaxRetries)
	w("| cap on a response body (`client.WithMaxBodySize`) | %d MiB |\n", client.DefaultMaxBodySize>>20)
	w("| poll schedule (`poller.WithPolicy`) | first poll at once, then when the execution is %v old, then each time its age has grown x%v, at most %v apart, each gap shortened at random by up to %.0f %% (a task's history and list sweeps are off in the matrix: each poll is one GET) |\n",
		p.InitialInterval, p.Multiplier, p.MaxInterval, p.Jitter*100)
	w("| transient errors in a row before giving up (`poller.WithTransientLimit`) | %v |\n", poller.DefaultTransientLimit)
	w("| 404 taken as \"not visible yet\" (`poller.WithNotFoundGrace`) | %v after the wait starts |\n", poller.DefaultNotFoundGrace)
	w("\nCLI exit codes: 0 success, 1 failure, 2 bad usage (nothing sent), 3 `--timeout` ran out,\n")
	w("4 the API could not answer, 5 Anchor's own timeout, 6 cancelled, 7 `--stall` ran out,\n")
	w("8 the results could not be written, 130 interrupted (see the README).\n\n")

	w("## The matrix\n\n")
	runs, skipped := 0, 0
	for i := range cases {
		for _, m := range Modes {
			if cases[i].In(m).Skip != "" {
				skipped++
			} else {
				runs++
			}
		}
	}
	w("%d cases x %d modes: %d runs, %d not run (the reason is in the cell).\n", len(cases), len(Modes), runs, skipped)
	w("Cells read: last status of each execution; error class or exit code; time bound; requests sent.\n\n")
	w("| fault | what anchor-wait does | library (fake time) | CLI (real time) |\n|---|---|---|---|\n")
	for i := range cases {
		c := &cases[i]
		w("| **%s**: %s | %s | %s | %s |\n", c.Name, cellText(c.Fault), cellText(c.Behaviour), runCell(c.Library, Library), runCell(c.CLI, CLI))
	}
	hostileSection(&b, HostileCases())
	return b.Bytes()
}

// hostileSection renders the hostile table (see HostileCases).
func hostileSection(b *bytes.Buffer, cases []HostileCase) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("\n## Hostile servers\n\n")
	w("The faults above are a server failing; these are a server attacking. `internal/hostile`\n")
	w("speaks raw TCP on loopback, so it can trickle, hang, echo the request's headers (the key\n")
	w("among them) into the body, the headers or the status line, send bytes nobody asked for,\n")
	w("and send huge, broken or misleading answers. Each case runs in real time in both modes:\n\n")
	w("- **Library**: `client.Client` (per-request timeout %v) and `poller.Poller`\n", HostileRequestTimeout)
	w("  (`poller.Start` for a start), polling from %v up to %v apart, client and poller\n", HostileInterval, HostileMaxInterval)
	w("  logging at debug level into a buffer that is searched.\n")
	w("- **CLI**: the `anchor-wait` binary with `--interval %v --max-interval %v --verbose --junit FILE`,\n", HostileInterval, HostileMaxInterval)
	w("  `GITHUB_ACTIONS=true` (so the step summary and outputs are written too), and `--output json`\n")
	w("  unless the case names its formats, run once per format.\n\n")
	w("Every case also checks that the key, and its JSON-, URL- and Go-escaped forms, appear in no\n")
	w("error, log line, stdout, stderr or file written, nor any 12 characters of it in a row (the\n")
	w("key has a quote, angle brackets, `&`, `%%` and `+`, so each form differs); and, in CLI mode,\n")
	w("that every line written, fed to a port of the Actions runner's command parser\n")
	w("(`internal/runnercmd`), parses as nothing or as anchor-wait's own `::error`, and that no\n")
	w("`##[`, raw control character but the line break (C0, DEL, C1), bidi control or line\n")
	w("separator appears anywhere.\n\n")
	w("%d cases. Cells read: last status; error class (of the wait, and of the last request in\n", len(cases))
	w("parentheses) or exit code; time bound; requests the server read.\n\n")
	w("| attack | what anchor-wait does | library (real time) | CLI (real time) |\n|---|---|---|---|\n")
	for _, c := range cases {
		w("| **%s**: %s | %s | %s | %s |\n", c.Name, cellText(c.Attack), cellText(c.Behaviour), hostileCell(c.Library, Library), hostileCell(c.CLI, CLI))
	}
}

// hostileCell is the table cell of a hostile run.
func hostileCell(r HostileRun, m Mode) string {
	outcome := "`" + r.Err.String() + "`"
	if r.Err == NoError {
		outcome = "nil"
	}
	if r.LastErr != NoError {
		outcome += " (`" + r.LastErr.String() + "`)"
	}
	if m == CLI {
		outcome = fmt.Sprintf("exit %d", r.Exit)
	}
	bound := "≤ " + r.MaxTime.String()
	switch {
	case r.Interrupt:
		bound = "≤ " + r.MaxTime.String() + " after the interrupt"
	case r.Timeout > 0 && r.MaxTime > r.Timeout:
		bound = fmt.Sprintf("deadline %v, ≤ %v", r.Timeout, r.MaxTime)
	}
	return fmt.Sprintf("%s; %s; %s; %s", statusText([]client.Status{r.Status}), outcome, bound, requestText(r.MinRequests, r.MaxRequests))
}

// runCell is the table cell of one run.
func runCell(r Run, m Mode) string {
	if r.Skip != "" {
		return "not run: " + cellText(r.Skip)
	}
	outcome := r.Want.Err.String()
	if outcome != "nil" {
		outcome = "`" + outcome + "`"
	}
	if m == CLI {
		outcome = fmt.Sprintf("exit %d", r.Want.Exit)
	}
	return fmt.Sprintf("%s; %s; %s; %s", statusText(r.Want.Status), outcome, timeText(r.Want.MinTime, r.Want.MaxTime), requestText(r.Want.MinRequests, r.Want.MaxRequests))
}

// statusText lists statuses: "success", "success, failure, none".
func statusText(ss []client.Status) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
		if s == "" {
			parts[i] = "no status"
		}
	}
	return strings.Join(parts, ", ")
}

// timeText says a time bound: "at once", "≤ 3s", "20s", "1.1s–3s".
func timeText(lo, hi time.Duration) string {
	switch {
	case hi == 0:
		return "at once"
	case lo == hi:
		return hi.String()
	case lo == 0:
		return "≤ " + hi.String()
	}
	return lo.String() + "–" + hi.String()
}

// requestText says a request bound: "1 request", "5–8 requests".
func requestText(lo, hi int) string {
	switch {
	case lo == hi && hi == 1:
		return "1 request"
	case lo == hi:
		return fmt.Sprintf("%d requests", hi)
	}
	return fmt.Sprintf("%d–%d requests", lo, hi)
}

// cellText makes s safe in a Markdown table cell.
func cellText(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}
