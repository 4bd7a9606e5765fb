package faultmatrix

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

var update = flag.Bool("update", false, "rewrite "+DocPath+" from the matrix")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// TestCasesWellFormed checks the table itself: a case that could never
// fail, or that the harnesses would misread, is a bug in the table.
func TestCasesWellFormed(t *testing.T) {
	cases := Cases()
	if len(cases) < 30 {
		t.Errorf("%d cases, want the whole matrix (30 or more)", len(cases))
	}
	names := map[string]bool{}
	ids := map[string]string{}
	for _, c := range cases {
		if !kebab.MatchString(c.Name) {
			t.Errorf("case name %q: want kebab-case", c.Name)
		}
		if names[c.Name] {
			t.Errorf("case name %q used twice", c.Name)
		}
		names[c.Name] = true
		if c.Fault == "" || c.Behaviour == "" {
			t.Errorf("%s: Fault and Behaviour must say something for the document", c.Name)
		}
		if c.Library.Skip != "" {
			t.Errorf("%s: skipped in library mode (%q); every fault runs there", c.Name, c.Library.Skip)
		}
		for _, m := range Modes {
			r := c.In(m)
			if r.Skip != "" {
				continue
			}
			where := fmt.Sprintf("%s (%s)", c.Name, m)
			s, w := r.Setup, r.Want
			switch {
			case len(s.Executions) == 0:
				t.Errorf("%s: no execution to wait for", where)
			case len(w.Status) != len(s.Executions):
				t.Errorf("%s: %d statuses wanted for %d executions", where, len(w.Status), len(s.Executions))
			case w.MaxTime < w.MinTime || w.MinTime < 0:
				t.Errorf("%s: time bound %v..%v is empty", where, w.MinTime, w.MaxTime)
			case w.MaxRequests < 1 || w.MinRequests > w.MaxRequests || w.MinRequests < 0:
				t.Errorf("%s: request bound %d..%d: want 1 <= max and min <= max", where, w.MinRequests, w.MaxRequests)
			}
			if s.Timeout > 0 && w.MaxTime > 0 && s.Timeout > w.MaxTime && m == Library {
				t.Errorf("%s: timeout %v is past the time bound %v: the bound could never hold at the deadline", where, s.Timeout, w.MaxTime)
			}
			if m == CLI {
				if w.MaxTime == 0 || w.MaxTime > CLITimeout {
					t.Errorf("%s: CLI time bound %v: want one above 0 and within %v", where, w.MaxTime, CLITimeout)
				}
				// The binary runs in real time on a machine that may be
				// loaded: a tighter bound would fail at random, and the
				// exact times are held in library mode.
				if w.MaxTime < CLIMaxTime {
					t.Errorf("%s: CLI time bound %v: want at least %v, a bound that only catches a hang", where, w.MaxTime, CLIMaxTime)
				}
				if s.Timeout < CLIShortTimeout {
					t.Errorf("%s: CLI --timeout %v: want at least %v, so a binary slow to start still gets its first answers before it", where, s.Timeout, CLIShortTimeout)
				}
				if w.MinTime > s.Timeout && s.Timeout > 0 {
					t.Errorf("%s: CLI minimum time %v is past --timeout %v", where, w.MinTime, s.Timeout)
				}
				if w.Err != NoError {
					t.Errorf("%s: CLI runs are judged by exit code, not by error class %v", where, w.Err)
				}
				if s.Cancel != nil && s.Cancel.Request < 1 {
					t.Errorf("%s: CLI cancel needs a request number to wait for", where)
				}
				if s.RequestTimeout != 0 {
					t.Errorf("%s: the CLI has no per-request timeout flag", where)
				}
			} else {
				if w.Exit != 0 {
					t.Errorf("%s: library runs are judged by error class, not by exit code %d", where, w.Exit)
				}
				if s.Cancel != nil && s.Cancel.At <= 0 {
					t.Errorf("%s: library cancel needs a time", where)
				}
				if s.Stdin {
					t.Errorf("%s: stdin is for CLI runs", where)
				}
			}
			for _, e := range s.Executions {
				if e.Copies < 0 {
					t.Errorf("%s: %d copies", where, e.Copies)
				}
				if e.ID == "" {
					continue
				}
				if _, err := uuid.Parse(e.ID); err != nil {
					t.Errorf("%s: execution ID %q is not a UUID", where, e.ID)
				}
				if other, ok := ids[e.ID]; ok && other != c.Name {
					t.Errorf("%s: execution ID %s is also used by %s", where, e.ID, other)
				}
				ids[e.ID] = c.Name
			}
		}
	}
}

// TestCasesCoverTheFaults checks that every fault the matrix promises to
// cover has a case.
func TestCasesCoverTheFaults(t *testing.T) {
	names := map[string]bool{}
	for _, c := range Cases() {
		names[c.Name] = true
	}
	for _, want := range []string{
		"5xx-burst", "5xx-outage-recovers", "5xx-outage-past-limit",
		"429-retry-after-seconds", "429-retry-after-date", "retry-after-ms", "503-should-retry-false",
		"connection-refused", "connection-dropped-mid-body", "slow-response",
		"html-body", "empty-body", "truncated-json", "missing-field", "wrong-type", "unknown-status",
		"huge-output", "body-over-cap", "404-inside-grace", "404-beyond-grace", "401-wrong-key", "403-forbidden",
		"clock-far-future", "clock-far-past", "flip-running-to-queued", "duplicate-ids",
		"cancel-in-retry-sleep", "cancel-mid-request",
	} {
		if !names[want] {
			t.Errorf("no case %q", want)
		}
	}
	combos := 0
	for name := range names {
		if strings.HasPrefix(name, "combo-") {
			combos++
		}
	}
	if combos < 3 {
		t.Errorf("%d combined cases, want a few (3 or more)", combos)
	}
}

func TestErrClassMatch(t *testing.T) {
	apiErr := func(code int) error {
		return fmt.Errorf("get execution x: %w", &client.APIError{StatusCode: code})
	}
	tests := []struct {
		class ErrClass
		err   error
		want  bool
	}{
		{NoError, nil, true},
		{NoError, errors.New("x"), false},
		{NotFound, apiErr(http.StatusNotFound), true},
		{NotFound, apiErr(http.StatusGone), false},
		{NotFound, nil, false},
		{Unauthorized, apiErr(http.StatusForbidden), true},
		{Unauthorized, apiErr(http.StatusUnauthorized), true},
		{APIStatus(http.StatusInternalServerError), apiErr(http.StatusInternalServerError), true},
		{APIStatus(http.StatusInternalServerError), apiErr(http.StatusBadGateway), false},
		{APIStatus(http.StatusInternalServerError), errors.New("500"), false},
		{Transport, fmt.Errorf("x: %w: refused", client.ErrTransport), true},
		{Transport, fmt.Errorf("x: %w", client.ErrBadResponse), false},
		{Deadline, fmt.Errorf("wait: %w", context.DeadlineExceeded), true},
		{Canceled, context.DeadlineExceeded, false},
		{Unsuccessful, &poller.UnsuccessfulError{Status: client.StatusFailure}, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%v", tt.class, tt.err), func(t *testing.T) {
			if got := tt.class.Match(tt.err); got != tt.want {
				t.Errorf("%v.Match(%v) = %v, want %v", tt.class, tt.err, got, tt.want)
			}
		})
	}
}

func TestRefs(t *testing.T) {
	s := Setup{Executions: []Execution{{Copies: 3}, {}, {Copies: 1}}}
	got := strings.Join(Refs(s, []string{"a", "b", "c"}), ",")
	if want := "a,a,a,b,c"; got != want {
		t.Errorf("Refs = %s, want %s", got, want)
	}
}

func TestChecks(t *testing.T) {
	ok := "ok"
	big := strings.Repeat("x", 10)
	past, _ := clockExecution(pastStart, pastExecMillis)
	tests := []struct {
		name    string
		check   func([]*client.Execution) error
		exec    *client.Execution
		wantErr bool
	}{
		{"output length right", checkOutputLen(10), &client.Execution{Output: &big}, false},
		{"output length wrong", checkOutputLen(10), &client.Execution{Output: &ok}, true},
		{"no output", checkOutputLen(10), &client.Execution{}, true},
		{"nothing seen", checkOutputLen(10), nil, true},
		{"clock as sent", checkClock(pastStart, pastExecMillis), past, false},
		{"clock changed", checkClock(futureStart, futureExecMillis), past, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check([]*client.Execution{tt.exec})
			if (err != nil) != tt.wantErr {
				t.Errorf("check = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// clockExecution decodes an execution with the given startTime and
// executionTime, the way the client does.
func clockExecution(start, execMillis string) (*client.Execution, error) {
	var e client.Execution
	body := fmt.Sprintf(`{"id":%q,"taskVersionId":"v","version":"1","status":"success","startTime":%q,"executionTime":%s}`, pastID, start, execMillis)
	if err := e.UnmarshalJSON([]byte(body)); err != nil {
		return nil, err
	}
	return &e, nil
}

// TestDocument checks DocPath against the matrix; -update rewrites it.
func TestDocument(t *testing.T) {
	path := filepath.Join("..", "..", filepath.FromSlash(DocPath))
	got := Document(Cases())
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run go test ./internal/faultmatrix -update to write it", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date with the matrix: run go test ./internal/faultmatrix -update", DocPath)
	}
	for _, s := range []string{Key, WrongKey} {
		if bytes.Contains(got, []byte(s)) {
			t.Errorf("the document shows an API key")
		}
	}
	for _, c := range Cases() {
		if !bytes.Contains(got, []byte("**"+c.Name+"**")) {
			t.Errorf("the document has no row for %s", c.Name)
		}
	}
}

func TestTimeAndRequestText(t *testing.T) {
	tests := []struct{ got, want string }{
		{timeText(0, 0), "at once"},
		{timeText(0, 3e9), "≤ 3s"},
		{timeText(2e9, 2e9), "2s"},
		{timeText(1e9, 3e9), "1s–3s"},
		{requestText(1, 1), "1 request"},
		{requestText(4, 4), "4 requests"},
		{requestText(2, 9), "2–9 requests"},
		{cellText("a|b\nc"), `a\|b c`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestClosedLoopbackURLRefuses(t *testing.T) {
	u, release, err := ClosedLoopbackURL()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	addr := strings.TrimPrefix(u, "http://")
	conn, err := net.Dial("tcp", addr)
	if err == nil {
		conn.Close()
		t.Fatalf("dialing %s succeeded, want the connection refused", u)
	}
	// While it is held, no server can be given the port (where the
	// system lets it be held).
	if portsHeld {
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			t.Errorf("listening on %s succeeded while it is held, want it taken", addr)
		}
	}
}
