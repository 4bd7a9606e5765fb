package anchorwait_test

// The hostile table (internal/faultmatrix, HostileCases) in library mode:
// a client.Client and a poller.Poller against internal/hostile, a server
// that attacks on purpose, in real time on loopback.

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/internal/faultmatrix"
	"github.com/anchorwait/anchorwait/internal/hostile"
	"github.com/anchorwait/anchorwait/poller"
)

// TestHostileLibrary runs the cases in parallel: they wait in real time,
// each on servers of its own. TestMain checks that no goroutine is left.
func TestHostileLibrary(t *testing.T) {
	t.Parallel()
	for _, c := range faultmatrix.HostileCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runHostileLibrary(t, c)
		})
	}
}

// runHostileLibrary runs one hostile case through the library and checks
// it.
func runHostileLibrary(t *testing.T, c faultmatrix.HostileCase) {
	r := c.Library
	var second *hostile.Server
	secondURL := ""
	if c.Second {
		second = hostile.NewServer(hostile.Hang())
		defer second.Close()
		secondURL = second.URL()
	}
	srv := hostile.NewServer(c.Serve(secondURL)...)
	defer srv.Close()

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := []client.Option{client.WithBaseURL(c.Base.URL(srv.URL())), client.WithLogger(logger)}
	if r.RequestTimeout > 0 {
		opts = append(opts, client.WithRequestTimeout(r.RequestTimeout))
	}
	if c.Proxy {
		proxy, err := url.Parse(secondURL)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, client.WithHTTPClient(&http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}))
	}
	cl, err := client.New(faultmatrix.HostileKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	// Lists off: every request is the attacked poll, and the rows count
	// one request per poll.
	p, err := poller.New(cl, poller.WithLogger(logger), poller.WithHistory(false), poller.WithListSweeps(false),
		poller.WithInitialInterval(faultmatrix.HostileInterval), poller.WithMaxInterval(faultmatrix.HostileMaxInterval))
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if r.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
	}
	defer cancel()
	var interrupted time.Time
	if r.Interrupt {
		var stop context.CancelFunc
		ctx, stop = context.WithCancel(ctx)
		defer stop()
		go func() {
			waitForRequests(srv, 1)
			interrupted = time.Now()
			stop()
		}()
	}

	start := time.Now()
	var res poller.Result
	if c.Start {
		_, res.Err = p.Start(ctx, client.RunTaskRequest{TaskID: faultmatrix.TaskID})
	} else {
		all, err := p.WaitAll(ctx, []poller.Ref{{TaskID: faultmatrix.TaskID, ExecutionID: faultmatrix.HostileExecution}})
		if len(all) != 1 {
			t.Fatalf("WaitAll: %d results (%v), want 1", len(all), err)
		}
		res = all[0]
	}
	took := time.Since(start)
	if r.Interrupt {
		took = time.Since(interrupted)
	}

	if !r.Err.Match(res.Err) {
		t.Errorf("error %v, want %v", res.Err, r.Err)
	}
	if !c.Start && !r.LastErr.Match(res.LastErr) {
		t.Errorf("last request's error %v, want %v", res.LastErr, r.LastErr)
	}
	if got := res.Status(); got != r.Status {
		t.Errorf("status %q, want %q", got, r.Status)
	}
	if took > r.MaxTime {
		t.Errorf("took %v, want at most %v", took, r.MaxTime)
	}
	if n := len(srv.Requests()); n < r.MinRequests || n > r.MaxRequests {
		t.Errorf("the server read %d requests, want %d to %d", n, r.MinRequests, r.MaxRequests)
	}
	if second != nil {
		if n := len(second.Requests()) + second.Conns(); n != 0 {
			t.Errorf("the second server saw %d requests and %d connections, want none", len(second.Requests()), second.Conns())
		}
	}
	if r.Check != nil {
		if err := r.Check(res.Execution); err != nil {
			t.Error(err)
		}
	}
	errText := errorChainText(res.Err) + "\n" + errorChainText(res.LastErr)
	for _, s := range r.Says {
		if !strings.Contains(errText, s) {
			t.Errorf("the errors do not say %q:\n%s", s, errText)
		}
	}
	for what, text := range map[string]string{"the errors": errText, "the log": logs.String()} {
		if leaks := faultmatrix.HostileKeyLeaks(text); len(leaks) > 0 {
			t.Errorf("%s hold the key as %q:\n%s", what, leaks, text)
		}
	}
	t.Logf("%v, %d requests, status %q; error: %v; last: %v", took.Round(time.Millisecond), len(srv.Requests()), res.Status(), res.Err, res.LastErr)
}

// errorChainText is the text of err and of every error it wraps, one a
// line: a key must be in none of them.
func errorChainText(err error) string {
	var b strings.Builder
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		b.WriteString(e.Error() + "\n")
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return b.String()
}

// waitForRequests returns once srv has read n requests, or after a minute
// (a guard, not a timing assumption).
func waitForRequests(srv *hostile.Server, n int) {
	guard := time.Now().Add(time.Minute)
	for len(srv.Requests()) < n && time.Now().Before(guard) {
		time.Sleep(5 * time.Millisecond)
	}
}
