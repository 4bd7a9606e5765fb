package faultmatrix

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/internal/hostile"
	"github.com/anchorwait/anchorwait/internal/runnercmd"
	"github.com/anchorwait/anchorwait/poller"
)

// The hostile table: a server that attacks anchor-wait on purpose
// (package hostile speaks raw TCP, so it can do what net/http's server
// cannot), one case per attack, run through the library (a client.Client
// and a poller.Poller, in real time on loopback) and through the built
// anchor-wait. Besides its outcome and bounds, every case checks that the
// key appears nowhere (HostileKeyForms) and that nothing anchor-wait writes
// holds a live workflow command or a control character (CheckHostileText).

// HostileKey is the API key of the hostile cases. Its quote, angle
// brackets, ampersand, percent and plus sign take other forms once JSON-,
// URL- or Go-escaped, and each of those forms is looked for too.
const HostileKey = `sk-hostile-7f3a"9c<2e>&b%41+d0`

// HostileExecution is the execution every hostile case waits for, of task
// TaskID.
const HostileExecution = "a05e7c1d-9b3f-4e2a-8c6d-1f0e2d3c4b5a"

// HostileOutput is the output of the hostile success: a legacy workflow
// command that would mask "success" for the rest of the job, an OSC that
// retitles a terminal, a bidi override that turns "KO DESSAP" into "PASSED
// OK" on screen, a line separator before a workflow command, a C1 CSI, and
// a command that would switch off every later one.
const HostileOutput = "##[add-mask]success\x1b]0;t\x07\u202eKO DESSAP\u2028::error::x\u009b31m ##[stop-commands]tok"

// HostileErrorMessage is the error message of the hostile failure: a
// command that would switch off every later one (anchor-wait's own ::error
// included), and on its next line one that would mask "success".
const HostileErrorMessage = "##[stop-commands]tok\n::add-mask::success"

// The settings of the hostile runs.
const (
	// HostileTimeout is the deadline (library) or --timeout (CLI) of a
	// case that only a deadline ends.
	HostileTimeout = 3 * time.Second
	// HostileRequestTimeout is the library's per-request timeout: the
	// CLI keeps the default (15 s), which --timeout comes before.
	HostileRequestTimeout = time.Second
	// HostileInterval and HostileMaxInterval space the polls in both
	// modes.
	HostileInterval    = 200 * time.Millisecond
	HostileMaxInterval = time.Second
	// hostileSlack is how much past its deadline a run may end: real
	// time, on a machine that may be loaded.
	hostileSlack = 2 * time.Second
)

// BaseURL says how a hostile case's base URL names the hostile server.
type BaseURL int

const (
	// BasePlain is http://127.0.0.1:PORT.
	BasePlain BaseURL = iota
	// BaseHTTPS is https://127.0.0.1:PORT, to a server that speaks
	// plain HTTP.
	BaseHTTPS
	// BaseUpperLocalhost is http://LOCALHOST:PORT: loopback, in a
	// spelling Go's proxy rule does not exempt.
	BaseUpperLocalhost
)

// URL returns the base URL for the hostile server at serverURL
// (http://127.0.0.1:PORT).
func (b BaseURL) URL(serverURL string) string {
	switch b {
	case BaseHTTPS:
		return strings.Replace(serverURL, "http://", "https://", 1)
	case BaseUpperLocalhost:
		return strings.Replace(serverURL, "127.0.0.1", "LOCALHOST", 1)
	}
	return serverURL
}

// HostileCase is one attack of a hostile server and what anchor-wait must
// do under it, in each mode. It is a plain value, safe for concurrent
// reads.
type HostileCase struct {
	// Name names the case: short, unique, kebab-case.
	Name string
	// Attack says what the server does, and Behaviour what anchor-wait
	// does about it, for the document.
	Attack, Behaviour string
	// Serve returns the behaviours of the hostile server, one per request
	// in order of arrival (see hostile.NewServer); second is the base URL
	// of the second server (see Second), "" without one.
	Serve func(second string) []hostile.Behaviour
	// Second starts a second hostile server, which hangs: the target of a
	// redirect, or a proxy. It must see no request at all.
	Second bool
	// Proxy points the proxy at the second server: HTTP_PROXY and
	// HTTPS_PROXY for the binary, the Proxy of the transport given to
	// client.WithHTTPClient for the library.
	Proxy bool
	// Base says how the base URL names the server.
	Base BaseURL
	// Start starts the task (poller.Start; anchor-wait run) instead of
	// waiting for HostileExecution.
	Start bool
	// Formats are the --output formats the binary is run with, once each;
	// nil runs it with json alone.
	Formats []string
	// Library and CLI are the case in each mode.
	Library, CLI HostileRun
}

// HostileRun is a hostile case in one mode: how long the wait may last
// and what it must come to.
type HostileRun struct {
	// Timeout is the context's deadline (library) or --timeout (CLI); 0
	// means none.
	Timeout time.Duration
	// RequestTimeout is client.WithRequestTimeout (library only); 0 keeps
	// the default.
	RequestTimeout time.Duration
	// Interrupt cancels the context (library) or sends SIGTERM (CLI) once
	// the server has read the first request.
	Interrupt bool
	// Status is the last status seen ("" for none).
	Status client.Status
	// Err is the class of the wait's (or the start's) error, and LastErr
	// that of Result.LastErr, the last request's (library).
	Err, LastErr ErrClass
	// Exit is the exit code of the binary (CLI).
	Exit int
	// MaxTime bounds how long the run lasts: the wait (library), the
	// whole process (CLI).
	MaxTime time.Duration
	// MinRequests and MaxRequests bound the requests the server read.
	MinRequests, MaxRequests int
	// Says are what the error's text (library) or the binary's stderr and
	// stdout (CLI) must hold.
	Says []string
	// Check, when not nil, checks the execution as returned (library),
	// and returns what is wrong.
	Check func(*client.Execution) error
	// MaxRSS, when above 0, bounds the peak resident memory of the binary
	// (CLI, where the platform reports it).
	MaxRSS int64
}

// MaybeStarted is the class of a start that may have started an execution.
var MaybeStarted = ErrClass{Name: "poller.ErrMaybeStarted", Is: poller.ErrMaybeStarted}

// hostileRunning, hostileSuccess and hostileFailure are the execution's
// answers.
func hostileRunning() string { return hostile.Execution{ID: HostileExecution}.JSON() }

func hostileSuccess(output string) string {
	return hostile.Execution{ID: HostileExecution, Status: "success", Output: &output, ExecutionTime: new(1200.0)}.JSON()
}

func hostileFailure(msg string) string {
	return hostile.Execution{ID: HostileExecution, Status: "failure", ErrorMessage: &msg, ExecutionTime: new(900.0)}.JSON()
}

// dataObject is the object inside {"data":...} of an answer.
func dataObject(answer string) string {
	return strings.TrimSuffix(strings.TrimPrefix(answer, `{"data":`), "}")
}

// checkOutput returns a Check that the output is want, byte for byte.
func checkOutput(want string) func(*client.Execution) error {
	return func(e *client.Execution) error {
		if e == nil || e.Output == nil || *e.Output != want {
			return fmt.Errorf("output %s, want %q byte for byte", shownText(e, true), want)
		}
		return nil
	}
}

// checkErrorMessage returns a Check that the error message is want, byte
// for byte.
func checkErrorMessage(want string) func(*client.Execution) error {
	return func(e *client.Execution) error {
		if e == nil || e.ErrorMessage == nil || *e.ErrorMessage != want {
			return fmt.Errorf("errorMessage %s, want %q byte for byte", shownText(e, false), want)
		}
		return nil
	}
}

// checkOutputBytes returns a Check that the output has n bytes.
func checkOutputBytes(n int) func(*client.Execution) error {
	return func(e *client.Execution) error {
		if e == nil || e.Output == nil || len(*e.Output) != n {
			return fmt.Errorf("output of %s bytes, want %d", shownLen(e), n)
		}
		return nil
	}
}

func shownText(e *client.Execution, output bool) string {
	p := (*string)(nil)
	if e != nil {
		p = e.ErrorMessage
		if output {
			p = e.Output
		}
	}
	if p == nil {
		return "null"
	}
	return strconv.Quote(*p)
}

func shownLen(e *client.Execution) string {
	if e == nil || e.Output == nil {
		return "no"
	}
	return strconv.Itoa(len(*e.Output))
}

// bounded returns the run of a case that only its deadline ends.
func bounded(r HostileRun) HostileRun {
	r.Timeout = HostileTimeout
	r.MaxTime = HostileTimeout + hostileSlack
	return r
}

// prompt returns the run of a case that ends at once, whatever the
// deadline.
func prompt(r HostileRun) HostileRun {
	r.Timeout = HostileTimeout + 17*time.Second
	r.MaxTime = hostileSlack + time.Second
	return r
}

// HostileCases returns the hostile table, in the order the document shows
// it. Each call returns a new slice.
func HostileCases() []HostileCase {
	hangs := func(r HostileRun) HostileRun {
		r.RequestTimeout = HostileRequestTimeout
		return bounded(r)
	}
	cliNoStatus := bounded(HostileRun{Exit: exitAPIError, MinRequests: 1, MaxRequests: 1,
		Says: []string{"--timeout 3s ran out before the API gave any status (the first poll had not come back)"}})
	libHung := hangs(HostileRun{Err: Deadline, LastErr: Transport, MinRequests: 2, MaxRequests: 4,
		Says: []string{"no complete response within the 1s request timeout"}})
	return []HostileCase{
		{
			Name:      "trickled-answer",
			Attack:    "answers one byte every 50 ms, so a whole answer would take half a minute",
			Behaviour: "each request ends at its timeout (the library's) or at `--timeout`, whichever comes first; the request is counted; nothing waits for the rest",
			Serve: func(string) []hostile.Behaviour {
				return []hostile.Behaviour{hostile.Trickle(hostile.Response(http.StatusOK, hostileRunning()), 50*time.Millisecond)}
			},
			Library: libHung,
			CLI:     cliNoStatus,
		},
		{
			Name:      "no-answer",
			Attack:    "reads the request and never answers",
			Behaviour: "as for a trickled answer: every attempt is bounded",
			Serve:     func(string) []hostile.Behaviour { return []hostile.Behaviour{hostile.Hang()} },
			Library:   libHung,
			CLI:       cliNoStatus,
		},
		{
			Name:      "headers-no-body",
			Attack:    "sends a status line and headers promising a body, then nothing",
			Behaviour: "as for a trickled answer: reading the body is bounded by the same timeout",
			Serve: func(string) []hostile.Behaviour {
				return []hostile.Behaviour{hostile.HangAfter("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"data\":")}
			},
			Library: libHung,
			CLI:     cliNoStatus,
		},
		{
			Name:      "key-in-error-body",
			Attack:    "answers 401 with the request's headers, the key among them, as the API's error message",
			Behaviour: "the wait ends at once, unauthorized; the message is shown with the key blanked out",
			Serve:     func(string) []hostile.Behaviour { return []hostile.Behaviour{hostile.EchoHeaders(hostile.InBody)} },
			Library:   prompt(HostileRun{Err: Unauthorized, MinRequests: 1, MaxRequests: 1, Says: []string{"API answered 401 Unauthorized", "[REDACTED]"}}),
			CLI:       prompt(HostileRun{Exit: exitAPIError, MinRequests: 1, MaxRequests: 1, Says: []string{"API answered 401 Unauthorized"}}),
		},
		{
			Name:      "key-in-rate-limit-headers",
			Attack:    "answers 429 with the request's headers, key included, as Retry-After, RateLimit and RateLimit-Policy",
			Behaviour: "the values are not durations, so nothing is read from them: each 429 counts as a limit the server did not state, which pauses every wait at least 1 s and cuts the pace by a third, and the wait goes on until its deadline",
			Serve:     func(string) []hostile.Behaviour { return []hostile.Behaviour{hostile.EchoHeaders(hostile.InHeader)} },
			Library:   bounded(HostileRun{Err: Deadline, LastErr: APIStatus(http.StatusTooManyRequests), MinRequests: 2, MaxRequests: 16}),
			CLI:       bounded(HostileRun{Exit: exitAPIError, MinRequests: 2, MaxRequests: 16, Says: []string{"429 Too Many Requests"}}),
		},
		{
			Name:      "key-in-status-line",
			Attack:    "answers with a status line made of the request's headers, so net/http's error quotes them, key included",
			Behaviour: "a transport error, retried until the deadline; its text, in errors, logs and output, has the key blanked out, in every form Go quotes it in",
			Serve: func(string) []hostile.Behaviour {
				return []hostile.Behaviour{hostile.EchoHeaders(hostile.InStatusLine)}
			},
			Library: bounded(HostileRun{Err: Deadline, LastErr: Transport, MinRequests: 3, MaxRequests: 16, Says: []string{"malformed HTTP status code", "[REDACTED]"}}),
			CLI:     bounded(HostileRun{Exit: exitAPIError, MinRequests: 3, MaxRequests: 16, Says: []string{"malformed HTTP status code"}}),
		},
		{
			Name:      "unsolicited-key",
			Attack:    "after a valid answer, sends bytes nobody asked for on the idle connection, echoing the key; net/http logs them through the standard log package",
			Behaviour: "the data is returned as sent; the CLI's standard log goes through its output layer, so the line reaches stderr after `anchor-wait: `, with the key blanked out and its bytes neutralized",
			Serve: func(string) []hostile.Behaviour {
				return []hostile.Behaviour{
					hostile.Unsolicited(hostile.Response(http.StatusOK, hostileRunning()), "HTTP/1.1 200 OK\r\nX-Echo: "+HostileKey+"\r\n\r\n"),
					hostile.Reply(http.StatusOK, hostileSuccess("done")),
				}
			},
			Library: prompt(HostileRun{Status: success, MinRequests: 2, MaxRequests: 2, Check: checkOutput("done")}),
			CLI:     prompt(HostileRun{Status: success, Exit: exitOK, MinRequests: 2, MaxRequests: 2, Says: []string{"anchor-wait: Unsolicited response received on idle HTTP channel"}}),
		},
		{
			Name:      "unsolicited-commands",
			Attack:    "after a valid answer, sends workflow commands (`##[stop-commands]`, `::add-mask::`) and an OSC on the idle connection",
			Behaviour: "as above: the log line carries them neutralized, so no command is live on stderr",
			Serve: func(string) []hostile.Behaviour {
				return []hostile.Behaviour{
					hostile.Unsolicited(hostile.Response(http.StatusOK, hostileRunning()), "##[stop-commands]tok\n::add-mask::success\n\x1b]0;pwned\x07\n"),
					hostile.Reply(http.StatusOK, hostileSuccess("done")),
				}
			},
			Library: prompt(HostileRun{Status: success, MinRequests: 2, MaxRequests: 2, Check: checkOutput("done")}),
			CLI:     prompt(HostileRun{Status: success, Exit: exitOK, MinRequests: 2, MaxRequests: 2, Says: []string{"anchor-wait: Unsolicited response received on idle HTTP channel"}}),
		},
		{
			Name:      "hostile-output",
			Attack:    "a success whose output holds `##[add-mask]success`, an OSC, a bidi override, U+2028, a C1 CSI and `##[stop-commands]`",
			Behaviour: "the library returns the output byte for byte; the CLI shows it neutralized in the table, the JSON document, the jsonl lines, the step summary and the JUnit report",
			Serve: func(string) []hostile.Behaviour {
				return []hostile.Behaviour{hostile.Reply(http.StatusOK, hostileSuccess(HostileOutput))}
			},
			Formats: []string{"text", "json", "jsonl"},
			Library: prompt(HostileRun{Status: success, MinRequests: 1, MaxRequests: 1, Check: checkOutput(HostileOutput)}),
			CLI:     prompt(HostileRun{Status: success, Exit: exitOK, MinRequests: 1, MaxRequests: 1}),
		},
		{
			Name:      "hostile-error-message",
			Attack:    "a failure whose errorMessage is `##[stop-commands]tok`, then `::add-mask::success` on its next line",
			Behaviour: "the library returns it byte for byte; the CLI writes exactly one runner-parsable line for the execution, its own `::error`, with the message neutralized inside it",
			Serve: func(string) []hostile.Behaviour {
				return []hostile.Behaviour{hostile.Reply(http.StatusOK, hostileFailure(HostileErrorMessage))}
			},
			Formats: []string{"text", "json", "jsonl"},
			Library: prompt(HostileRun{Status: failure, Err: Unsuccessful, MinRequests: 1, MaxRequests: 1, Check: checkErrorMessage(HostileErrorMessage)}),
			CLI:     prompt(HostileRun{Status: failure, Exit: exitFailure, MinRequests: 1, MaxRequests: 1}),
		},
		{
			Name:      "case-variant-data",
			Attack:    "answers `{\"data\":{…failure…},\"DATA\":{…success…}}`",
			Behaviour: "keys are matched exactly: `data` is the answer, the execution failed",
			Serve: func(string) []hostile.Behaviour {
				body := `{"data":` + dataObject(hostileFailure("boom")) + `,"DATA":` + dataObject(hostileSuccess("ok")) + `}`
				return []hostile.Behaviour{hostile.Reply(http.StatusOK, body)}
			},
			Library: prompt(HostileRun{Status: failure, Err: Unsuccessful, MinRequests: 1, MaxRequests: 1}),
			CLI:     prompt(HostileRun{Status: failure, Exit: exitFailure, MinRequests: 1, MaxRequests: 1}),
		},
		{
			Name:      "case-variant-status",
			Attack:    "answers `{\"status\":\"running\",\"STATUS\":\"success\",…}` at every poll",
			Behaviour: "keys are matched exactly: the execution is running until the deadline, never a success",
			Serve: func(string) []hostile.Behaviour {
				body := strings.Replace(hostileRunning(), `{"data":{`, `{"data":{"STATUS":"success",`, 1)
				return []hostile.Behaviour{hostile.Reply(http.StatusOK, body)}
			},
			Library: bounded(HostileRun{Status: running, Err: Deadline, MinRequests: 3, MaxRequests: 16}),
			CLI:     bounded(HostileRun{Status: running, Exit: exitWaitTimeout, MinRequests: 3, MaxRequests: 16}),
		},
		{
			Name:      "huge-header",
			Attack:    "answers with an 11 MiB header line",
			Behaviour: "net/http refuses headers over 10 MiB: a transport error, retried until the deadline, each attempt reading at most 10 MiB",
			Serve:     func(string) []hostile.Behaviour { return []hostile.Behaviour{hostile.HugeHeader(11 << 20)} },
			Library:   bounded(HostileRun{Err: Deadline, LastErr: Transport, MinRequests: 1, MaxRequests: 16, Says: []string{"server response headers exceeded"}}),
			CLI:       bounded(HostileRun{Exit: exitAPIError, MinRequests: 1, MaxRequests: 16, Says: []string{"server response headers exceeded"}, MaxRSS: 100 << 20}),
		},
		{
			Name:      "huge-body-over-cap",
			Attack:    "answers with a body one byte over the client's 32 MiB cap, its length declared",
			Behaviour: "refused before it is read, and not retried: the body will not shrink",
			Serve: func(string) []hostile.Behaviour {
				return []hostile.Behaviour{hostile.HugeOutput(hostile.Execution{ID: HostileExecution, Status: "success"}, client.DefaultMaxBodySize)}
			},
			Library: prompt(HostileRun{Err: BodyTooLarge, MinRequests: 1, MaxRequests: 1}),
			CLI:     prompt(HostileRun{Exit: exitAPIError, MinRequests: 1, MaxRequests: 1, Says: []string{"response body too large"}, MaxRSS: 50 << 20}),
		},
		{
			Name:      "huge-body-under-cap",
			Attack:    "a success whose output is 8 MiB",
			Behaviour: "read whole and returned as sent; the CLI keeps 64 KiB of it for its reports",
			Serve: func(string) []hostile.Behaviour {
				return []hostile.Behaviour{hostile.HugeOutput(hostile.Execution{ID: HostileExecution, Status: "success"}, 8<<20)}
			},
			Formats: []string{"text"},
			Library: prompt(HostileRun{Status: success, MinRequests: 1, MaxRequests: 1, Check: checkOutputBytes(8 << 20)}),
			CLI:     prompt(HostileRun{Status: success, Exit: exitOK, MinRequests: 1, MaxRequests: 1, MaxRSS: 100 << 20}),
		},
		{
			Name:      "bad-chunked",
			Attack:    "answers 200 with a chunked body whose second chunk size is not a number",
			Behaviour: "a transport error, retried until the deadline",
			Serve:     func(string) []hostile.Behaviour { return []hostile.Behaviour{hostile.BadChunked()} },
			Library:   bounded(HostileRun{Err: Deadline, LastErr: Transport, MinRequests: 3, MaxRequests: 16, Says: []string{"invalid byte in chunk length"}}),
			CLI:       bounded(HostileRun{Exit: exitAPIError, MinRequests: 3, MaxRequests: 16, Says: []string{"invalid byte in chunk length"}}),
		},
		{
			Name:      "redirect-other-host",
			Attack:    "answers 307 to the same path on another server",
			Behaviour: "never followed (the key would go with it): the other server sees nothing, and the wait ends at once",
			Second:    true,
			Serve: func(second string) []hostile.Behaviour {
				return []hostile.Behaviour{hostile.Redirect(http.StatusTemporaryRedirect, second+"/v1/task/"+TaskID+"/executions/"+HostileExecution)}
			},
			Library: prompt(HostileRun{Err: APIStatus(http.StatusTemporaryRedirect), MinRequests: 1, MaxRequests: 1}),
			CLI:     prompt(HostileRun{Exit: exitAPIError, MinRequests: 1, MaxRequests: 1, Says: []string{"307 Temporary Redirect"}}),
		},
		{
			Name:      "https-to-plain-http",
			Attack:    "the base URL says https, the server answers the TLS handshake in plain HTTP",
			Behaviour: "client.ErrInsecureURL, not transient: the wait ends at the first answer, saying that the server answers plain http, not https, and to check the base URL",
			Base:      BaseHTTPS,
			Serve: func(string) []hostile.Behaviour {
				return []hostile.Behaviour{hostile.Reply(http.StatusBadRequest, hostile.ErrorJSON(http.StatusBadRequest, "plain HTTP"))}
			},
			Library: prompt(HostileRun{Err: InsecureURL, MinRequests: 1, MaxRequests: 1, Says: []string{"answers plain http, not https: check the base URL"}}),
			CLI:     prompt(HostileRun{Exit: exitAPIError, MinRequests: 1, MaxRequests: 1, Says: []string{"answers plain http, not https: check the base URL"}}),
		},
		{
			Name:      "uppercase-localhost-proxy",
			Attack:    "the base URL is http://LOCALHOST:PORT and a proxy is set (HTTP_PROXY, or the transport's Proxy)",
			Behaviour: "the host is taken as loopback in any case, and a plain-http loopback base URL never goes through a proxy: the proxy sees nothing, the key stays on this machine",
			Base:      BaseUpperLocalhost,
			Second:    true,
			Proxy:     true,
			Serve: func(string) []hostile.Behaviour {
				return []hostile.Behaviour{hostile.Reply(http.StatusOK, hostileSuccess("done"))}
			},
			Library: prompt(HostileRun{Status: success, MinRequests: 1, MaxRequests: 1, Check: checkOutput("done")}),
			CLI:     prompt(HostileRun{Status: success, Exit: exitOK, MinRequests: 1, MaxRequests: 1}),
		},
		{
			Name:      "interrupted-start",
			Attack:    "the start's POST is read and never answered; the run is interrupted (SIGTERM, or the context canceled)",
			Behaviour: "the start ends at once, saying an execution may have started (`poller.ErrMaybeStarted`); the CLI exits 130",
			Start:     true,
			Serve:     func(string) []hostile.Behaviour { return []hostile.Behaviour{hostile.Hang()} },
			Library:   HostileRun{Interrupt: true, Err: MaybeStarted, MaxTime: hostileSlack, MinRequests: 1, MaxRequests: 1, Says: []string{"the task may have started"}},
			CLI:       HostileRun{Interrupt: true, Exit: exitInterrupted, MaxTime: hostileSlack + 3*time.Second, MinRequests: 1, MaxRequests: 1, Says: []string{"an execution may have started that is not waited for"}},
		},
		{
			Name:      "html-garbage",
			Attack:    "answers 200 with an HTML page holding `##[add-mask]secret`",
			Behaviour: "a bad response, retried until the deadline; its snippet is quoted in the error, and the CLI shows it neutralized",
			Serve: func(string) []hostile.Behaviour {
				return []hostile.Behaviour{hostile.Reply(http.StatusOK, "<html><body>##[add-mask]secret ::error::x</body></html>")}
			},
			Library: bounded(HostileRun{Err: Deadline, LastErr: BadResponse, MinRequests: 3, MaxRequests: 16, Says: []string{`body starts "<html><body>##[add-mask]secret`}}),
			CLI:     bounded(HostileRun{Exit: exitAPIError, MinRequests: 3, MaxRequests: 16, Says: []string{`##\[add-mask]secret :\:error:\:x`}}),
		},
	}
}

// HostileKeyForms returns the forms in which the key must appear nowhere:
// as it is, JSON-escaped (with and without encoding/json's HTML
// escaping), URL-escaped (as a query value and as a path segment) and
// Go-quoted.
func HostileKeyForms() []string {
	jsonOf := func(html bool) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		_ = enc.Encode(HostileKey) // a string always encodes
		s := strings.TrimSpace(b.String())
		return s[1 : len(s)-1]
	}
	q := strconv.Quote(HostileKey)
	forms := []string{HostileKey, jsonOf(true), jsonOf(false), url.QueryEscape(HostileKey), url.PathEscape(HostileKey), q[1 : len(q)-1]}
	var out []string
	for _, f := range forms {
		if !contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// HostileKeyLeaks returns the forms of the key (see HostileKeyForms), and
// the parts of 12 characters of it, that text holds.
func HostileKeyLeaks(text string) []string {
	var found []string
	for _, f := range HostileKeyForms() {
		if strings.Contains(text, f) {
			found = append(found, f)
		}
	}
	for i := 0; i+12 <= len(HostileKey); i++ {
		if part := HostileKey[i : i+12]; strings.Contains(text, part) && !contains(found, part) {
			found = append(found, part)
		}
	}
	return found
}

// CheckHostileText returns what is wrong with text, something anchor-wait
// wrote (stdout, stderr, a report file), where the GitHub Actions runner
// may read it: a line the runner would take for a workflow command other
// than anchor-wait's own ::error (which must start its line), a "##[" that
// a command could start from, or a character that no such text may hold
// raw: C0 controls but \n (\r too with cr), DEL, C1 controls, bidi
// controls and other format characters, U+2028 and U+2029.
func CheckHostileText(text string, cr bool) []string {
	var problems []string
	for _, c := range runnercmd.Commands(text) {
		if c.Name != "error" || c.Legacy {
			problems = append(problems, fmt.Sprintf("the runner finds command %q (data %q)", c.Name, c.Data))
		}
	}
	for _, line := range runnercmd.Lines(text) {
		if strings.Contains(line, "::error") && !strings.HasPrefix(line, "::error title=") {
			problems = append(problems, fmt.Sprintf("an error command that is not anchor-wait's own: %q", line))
		}
	}
	if strings.Contains(text, "##[") {
		problems = append(problems, `"##[" is left`)
	}
	for i, r := range text {
		bad := false
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(text[i:], "\uFFFD"):
			problems = append(problems, fmt.Sprintf("a byte that is not UTF-8 at %d", i))
			continue
		case r == '\n', r == '\r' && cr:
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
			bad = true
		case r == 0x2028, r == 0x2029, r == 0x061c, r == 0x200e, r == 0x200f, r == 0xfeff,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r >= 0x200b && r <= 0x200d:
			bad = true
		}
		if bad {
			problems = append(problems, fmt.Sprintf("raw %U at %d", r, i))
		}
	}
	return problems
}
