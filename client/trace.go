package client

import (
	"context"
	"time"
)

// Trace holds hooks that a Client calls during one call, in the manner of
// net/http/httptrace. Attach one to a call's context with WithTrace. Hooks
// run on the calling goroutine and must return quickly.
type Trace struct {
	// Retry is called just before the Client sleeps to repeat a request
	// that failed with err, for delay. A waiter uses it to hold back its
	// other requests at once when one of them gets a 429, instead of when
	// the call finally returns.
	Retry func(err error, delay time.Duration)
}

type traceKey struct{}

// WithTrace returns a copy of ctx that makes the Client call t's hooks.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// traceFrom returns the Trace attached to ctx, or nil.
func traceFrom(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}
