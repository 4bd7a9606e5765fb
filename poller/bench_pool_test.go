package poller_test

import (
	"context"
	"sync"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// pooledGetter makes every call of an inner Getter on one of a fixed set of
// worker goroutines, so the goroutines that call it only wait on channels.
// BenchmarkScale uses it (with -scale.pooled) to measure how much memory
// WaitAll would save if the deep HTTP and JSON call stack of a poll grew
// only the workers' stacks, not those of the 10,000 waiting goroutines. It
// is safe for concurrent use until stopped.
type pooledGetter struct {
	calls chan pooledCall
}

type pooledCall struct {
	ctx            context.Context
	taskID, execID string
	reply          chan<- pooledReply
}

type pooledReply struct {
	exec *client.Execution
	err  error
}

// newPooledGetter starts n workers that call g, and returns the Getter and
// a function that stops the workers; it must be called once no call is in
// progress or to come, and may be called more than once.
func newPooledGetter(g poller.Getter, n int) (*pooledGetter, func()) {
	p := &pooledGetter{calls: make(chan pooledCall)}
	for range n {
		go func() {
			for c := range p.calls {
				exec, err := g.GetExecution(c.ctx, c.taskID, c.execID)
				c.reply <- pooledReply{exec, err}
			}
		}()
	}
	var once sync.Once
	return p, func() { once.Do(func() { close(p.calls) }) }
}

func (p *pooledGetter) GetExecution(ctx context.Context, taskID, execID string) (*client.Execution, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	reply := make(chan pooledReply, 1)
	select {
	case p.calls <- pooledCall{ctx: ctx, taskID: taskID, execID: execID, reply: reply}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	r := <-reply
	return r.exec, r.err
}
