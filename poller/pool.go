package poller

import (
	"context"
	"sync"

	"github.com/anchorwait/anchorwait/client"
)

// pool runs the Getter calls of one WaitAll on a few worker goroutines, so
// that the goroutine of each execution, which spends nearly all its life
// asleep between polls, never grows its stack to hold the call chain of a
// request (HTTP, TLS, JSON): only the workers' stacks do. The waits keep
// all the waiting (pauses, rate limit, the bound on requests in flight) on
// their own goroutines, and hand a worker a request only once it may be
// sent, so a worker is never held up by a pause, and never has to wait to
// hand back a result.
type pool struct {
	getter Getter
	calls  chan call
	wg     sync.WaitGroup
}

// call is one request handed to a worker. The reply channel has room for
// one result, and its wait sends no other call before it has received it.
type call struct {
	ctx   context.Context
	ref   Ref
	reply chan<- callResult
}

// callResult is the outcome of a call. sent is false when the Getter was
// not called, because the call's context had ended before a worker took it.
type callResult struct {
	exec *client.Execution
	err  error
	sent bool
}

// startPool starts n workers calling g. They run until stop is called.
func startPool(g Getter, n int) *pool {
	p := &pool{getter: g, calls: make(chan call)}
	for range n {
		p.wg.Go(p.work)
	}
	return p
}

func (p *pool) work() {
	for c := range p.calls {
		var r callResult
		if err := c.ctx.Err(); err != nil {
			r.err = err
		} else {
			r.exec, r.err = p.getter.GetExecution(c.ctx, c.ref.TaskID, c.ref.ExecutionID)
			r.sent = true
		}
		c.reply <- r // never blocks: the channel has room for this one result
	}
}

// do has a worker make the request for ref under ctx, and returns its
// outcome once the Getter has returned. reply must be empty, have room for
// one result and be received from by nothing else meanwhile. When ctx ends
// before a worker is free, do returns at once with ctx's error and sent false.
func (p *pool) do(ctx context.Context, ref Ref, reply chan callResult) (*client.Execution, bool, error) {
	select {
	case p.calls <- call{ctx: ctx, ref: ref, reply: reply}:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	r := <-reply
	return r.exec, r.sent, r.err
}

// stop stops the workers once no call is in progress or to come, and
// returns when they have all ended.
func (p *pool) stop() {
	close(p.calls)
	p.wg.Wait()
}
