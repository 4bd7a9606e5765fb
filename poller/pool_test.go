package poller

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/anchorwait/anchorwait/client"
)

// blockingGetter answers each call once release is closed, or with the
// call's context error when that ends first. It counts its calls.
type blockingGetter struct {
	release chan struct{}
	calls   atomic.Int64
}

func (g *blockingGetter) GetExecution(ctx context.Context, _, execID string, _ ...client.CallOption) (*client.Execution, error) {
	g.calls.Add(1)
	select {
	case <-g.release:
		return &client.Execution{ID: execID, Status: client.StatusSuccess}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestPoolDo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &blockingGetter{release: make(chan struct{})}
		p := startPool(g, 1)
		defer p.stop()

		// The one worker is busy with the first call.
		first := make(chan callResult, 1)
		go func() {
			exec, sent, err := p.do(t.Context(), Ref{TaskID: "t", ExecutionID: "e1"}, make(chan callResult, 1))
			first <- callResult{exec: exec, sent: sent, err: err}
		}()
		synctest.Wait()
		if n := g.calls.Load(); n != 1 {
			t.Fatalf("%d calls reached the getter, want 1", n)
		}

		// A call whose context ends while no worker is free returns at once.
		ctx, cancel := context.WithCancel(t.Context())
		second := make(chan callResult, 1)
		go func() {
			exec, sent, err := p.do(ctx, Ref{TaskID: "t", ExecutionID: "e2"}, make(chan callResult, 1))
			second <- callResult{exec: exec, sent: sent, err: err}
		}()
		synctest.Wait()
		cancel()
		if r := <-second; r.sent || r.exec != nil || !errors.Is(r.err, context.Canceled) {
			t.Errorf("call cancelled while queued = %+v, want not sent, context.Canceled", r)
		}

		close(g.release)
		if r := <-first; !r.sent || r.err != nil || r.exec == nil || r.exec.ID != "e1" {
			t.Errorf("first call = %+v, want execution e1 sent and returned", r)
		}
		if n := g.calls.Load(); n != 1 {
			t.Errorf("%d calls reached the getter, want still 1", n)
		}
	})
}

// TestPoolEndedContext checks that a call whose context has ended never
// reaches the Getter, whether it is refused before a worker takes it or by
// the worker that takes it.
func TestPoolEndedContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &blockingGetter{release: make(chan struct{})}
		p := startPool(g, 2)
		defer p.stop()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		reply := make(chan callResult, 1)
		for range 100 {
			synctest.Wait() // both workers idle: either way may be taken
			exec, sent, err := p.do(ctx, Ref{TaskID: "t", ExecutionID: "e1"}, reply)
			if sent || exec != nil || !errors.Is(err, context.Canceled) {
				t.Fatalf("do with an ended context = %v, %v, %v; want not sent, context.Canceled", exec, sent, err)
			}
		}
		if n := g.calls.Load(); n != 0 {
			t.Errorf("%d calls reached the getter, want 0", n)
		}
	})
}

func TestPoolStopWaitsForWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &blockingGetter{release: make(chan struct{})}
		close(g.release)
		p := startPool(g, 3)
		for _, id := range []string{"a", "b", "c", "d"} {
			exec, sent, err := p.do(t.Context(), Ref{TaskID: "t", ExecutionID: id}, make(chan callResult, 1))
			if !sent || err != nil || exec.ID != id {
				t.Fatalf("do(%s) = %v, %v, %v; want execution %s", id, exec, sent, err, id)
			}
		}
		p.stop()
		// goleak (TestMain) fails the package if a worker is left running;
		// inside the bubble, so does synctest.Test.
	})
}
