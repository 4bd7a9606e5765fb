package anchorwait_test

// The fault matrix (internal/faultmatrix) in library mode: a poller over the
// real client, against the in-memory fake, in fake time.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/internal/syncbuf"

	"go.uber.org/goleak"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/internal/faultmatrix"
	"github.com/anchorwait/anchorwait/poller"
)

// matrixGuard is how long past a case's time bound its wait is cut off, so
// a wait that would never end fails the case instead of spinning through
// fake time forever.
const matrixGuard = time.Minute

// errMatrixGuard is the cause of a wait cut off by matrixGuard.
var errMatrixGuard = errors.New("fault matrix: the wait outlasted its time bound")

func TestFaultMatrixLibrary(t *testing.T) {
	start := time.Now()
	for _, c := range faultmatrix.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			r := c.In(faultmatrix.Library)
			if r.Skip != "" {
				t.Skip(r.Skip)
			}
			ignore := goleak.IgnoreCurrent()
			synctest.Test(t, func(t *testing.T) { runLibraryCase(t, r) })
			goleak.VerifyNone(t, ignore)
		})
	}
	t.Logf("library matrix: %v of real time", time.Since(start).Round(time.Millisecond))
}

// libraryOutcome is what one library-mode run came to.
type libraryOutcome struct {
	execs    []*client.Execution // one per ref
	errs     []error             // one per ref (Wait: the one error)
	err      error               // Wait's or WaitAll's error
	elapsed  time.Duration       // fake time
	requests int
	texts    []string // every error text and log line, for the key check
}

// runLibraryCase runs r inside the bubble and checks its Want.
func runLibraryCase(t *testing.T, r faultmatrix.Run) {
	s, want := r.Setup, r.Want
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	// The fake (unless nothing is to listen), and the client's way to it.
	var srv *anchortest.Server
	baseURL := ""
	var transport http.RoundTripper
	var attempts atomic.Int64
	if s.Refused {
		baseURL = closedLoopbackURL(t)
		tr := http.DefaultTransport.(*http.Transport).Clone()
		t.Cleanup(tr.CloseIdleConnections)
		transport = tr
	} else {
		srv = anchortest.NewInMemoryServer(anchortest.WithAPIKey(faultmatrix.Key),
			anchortest.WithFaults(s.ServerFaults...), anchortest.WithLogger(logger))
		t.Cleanup(srv.Close)
		baseURL, transport = srv.URL, srv.HTTPClient().Transport
	}
	ids := make([]string, len(s.Executions))
	for i, e := range s.Executions {
		switch {
		case srv == nil:
			ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		case e.ID != "":
			if err := srv.AddExecutionWithID(faultmatrix.TaskID, e.ID, e.Script); err != nil {
				t.Fatal(err)
			}
			ids[i] = e.ID
		default:
			ids[i] = srv.AddExecution(faultmatrix.TaskID, e.Script)
		}
	}

	key := faultmatrix.Key
	if s.WrongKey {
		key = faultmatrix.WrongKey
	}
	copts := []client.Option{
		client.WithBaseURL(baseURL),
		client.WithHTTPClient(&http.Client{Transport: countingTransport{transport, &attempts}}),
		client.WithRandom(func() float64 { return 0.5 }),
		client.WithLogger(logger),
	}
	if s.RequestTimeout > 0 {
		copts = append(copts, client.WithRequestTimeout(s.RequestTimeout))
	}
	c, err := client.New(key, copts...)
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	var updMu sync.Mutex
	var updates []string
	popts := []poller.Option{
		poller.WithRand(func() float64 { return 0 }),
		// The matrix's faults are those of one execution's requests: with
		// the task's list in play, a page would answer around them.
		poller.WithHistory(false),
		poller.WithListSweeps(false),
		poller.WithLogger(logger),
		poller.WithOnUpdate(func(u poller.Update) {
			if u.Err != nil {
				updMu.Lock()
				updates = append(updates, u.Err.Error())
				updMu.Unlock()
			}
		}),
	}
	if s.Interval > 0 {
		popts = append(popts, poller.WithInitialInterval(s.Interval), poller.WithMaxInterval(s.MaxInterval))
	}
	p, err := poller.New(c, popts...)
	if err != nil {
		t.Fatalf("poller.New: %v", err)
	}

	// The context: the case's deadline and cancellation, and the guard.
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	guard := time.AfterFunc(want.MaxTime+matrixGuard, func() { cancel(errMatrixGuard) })
	defer guard.Stop()
	if s.Cancel != nil {
		stop := time.AfterFunc(s.Cancel.At, func() { cancel(nil) })
		defer stop.Stop()
	}
	if s.Timeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, s.Timeout)
		defer stop()
	}

	refs := faultmatrix.Refs(s, ids)
	out := waitNoPanic(t, ctx, p, refs)
	cancel(nil)
	if srv != nil {
		srv.Close() // lets abandoned requests finish, so every one is counted
		out.requests = srv.Stats().Requests
	} else {
		out.requests = int(attempts.Load())
	}
	updMu.Lock()
	out.texts = append(out.texts, updates...)
	updMu.Unlock()
	out.texts = append(out.texts, logs.String())
	checkLibraryOutcome(t, s, want, ids, out)
}

// waitNoPanic waits for refs (Wait for one, WaitAll for more) and turns a
// panic into a test failure.
func waitNoPanic(t *testing.T, ctx context.Context, p *poller.Poller, refs []string) (out libraryOutcome) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			t.Fatalf("the wait panicked: %v", v)
		}
	}()
	start := time.Now()
	if len(refs) == 1 {
		exec, err := p.Wait(ctx, faultmatrix.TaskID, refs[0])
		out.execs, out.errs, out.err = []*client.Execution{exec}, []error{err}, err
	} else {
		prefs := make([]poller.Ref, len(refs))
		for i, id := range refs {
			prefs[i] = poller.Ref{TaskID: faultmatrix.TaskID, ExecutionID: id}
		}
		results, err := p.WaitAll(ctx, prefs)
		out.err = err
		for _, res := range results {
			out.execs = append(out.execs, res.Execution)
			out.errs = append(out.errs, res.Err)
		}
	}
	out.elapsed = time.Since(start)
	return out
}

func checkLibraryOutcome(t *testing.T, s faultmatrix.Setup, want faultmatrix.Want, ids []string, out libraryOutcome) {
	t.Helper()
	if errors.Is(out.err, errMatrixGuard) {
		t.Fatalf("the wait was still going %v after its time bound %v: %v", matrixGuard, want.MaxTime, out.err)
	}
	if !want.Err.Match(out.err) {
		t.Errorf("error = %v, want class %v", out.err, want.Err)
	}
	if out.elapsed < want.MinTime || out.elapsed > want.MaxTime {
		t.Errorf("the wait took %v, want %v to %v", out.elapsed, want.MinTime, want.MaxTime)
	}
	if out.requests < want.MinRequests || out.requests > want.MaxRequests {
		t.Errorf("%d requests, want %d to %d", out.requests, want.MinRequests, want.MaxRequests)
	}
	refs := faultmatrix.Refs(s, ids)
	if len(out.execs) != len(refs) {
		t.Fatalf("%d results for %d refs", len(out.execs), len(refs))
	}
	// Every copy of an execution has its status; the first copy's
	// execution is the one checked.
	firsts := make([]*client.Execution, len(s.Executions))
	i := 0
	for n, e := range s.Executions {
		for k := range max(e.Copies, 1) {
			got := client.Status("")
			if out.execs[i] != nil {
				got = out.execs[i].Status
			}
			if got != want.Status[n] {
				t.Errorf("execution %d (copy %d): last status %q, want %q (error: %v)", n+1, k+1, got, want.Status[n], out.errs[i])
			}
			if k == 0 {
				firsts[n] = out.execs[i]
			}
			i++
		}
	}
	if want.Check != nil {
		if err := want.Check(firsts); err != nil {
			t.Error(err)
		}
	}
	if logs := out.texts[len(out.texts)-1]; !strings.Contains(logs, "wait ended") {
		t.Errorf("the log has no line for the end of the wait, so the key check of the log proves nothing:\n%s", hideKeys(logs))
	}
	texts := append([]string{errText(out.err)}, out.texts...)
	for _, e := range out.errs {
		texts = append(texts, errText(e))
	}
	for _, text := range texts {
		for _, k := range []string{faultmatrix.Key, faultmatrix.WrongKey} {
			if strings.Contains(text, k) {
				t.Errorf("an API key appears in an error or log line:\n%s", excerptAround(text, k))
			}
		}
	}
	t.Logf("%v in fake time, %d requests, error: %s", out.elapsed, out.requests, hideKeys(errText(out.err)))
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// excerptAround shows the part of text around sub, with the keys hidden
// even there.
func excerptAround(text, sub string) string {
	i := strings.Index(text, sub)
	from, to := max(i-200, 0), min(i+len(sub)+200, len(text))
	return hideKeys(text[from:to])
}

// hideKeys replaces the matrix's keys in s, for test output.
func hideKeys(s string) string {
	return strings.NewReplacer(faultmatrix.Key, "<KEY>", faultmatrix.WrongKey, "<WRONG KEY>").Replace(s)
}

// countingTransport counts the requests the client sends, refused
// connections included.
type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// closedLoopbackURL is faultmatrix.ClosedLoopbackURL for a test.
func closedLoopbackURL(t *testing.T) string {
	t.Helper()
	u, release, err := faultmatrix.ClosedLoopbackURL()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	return u
}
