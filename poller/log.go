package poller

import (
	"context"
	"errors"
	"log/slog"

	"github.com/anchorwait/anchorwait/client"
)

// report passes u, completed with e's state, to the callback and the
// logger.
func (w *waiting) report(ctx context.Context, e *entry, u Update) {
	cfg := &w.p.cfg
	if cfg.onUpdate == nil && cfg.logger == nil {
		return
	}
	u.Ref, u.Requests, u.Status, u.Execution = e.ref, e.requests, e.status(), e.exec
	if cfg.onUpdate != nil {
		cfg.onUpdate(u)
	}
	if cfg.logger != nil {
		w.p.log(ctx, &u)
	}
}

// log writes u to the Poller's logger at the level its kind deserves.
func (p *Poller) log(ctx context.Context, u *Update) {
	l := p.cfg.logger
	var level slog.Level
	var msg string
	switch u.Kind {
	case UpdatePoll:
		level, msg = slog.LevelDebug, "polled"
	case UpdateStatusChange:
		level, msg = slog.LevelInfo, "status changed"
	case UpdateRetry:
		level, msg = slog.LevelWarn, "request failed, will retry"
		if errors.Is(u.Err, client.ErrNotFound) {
			level, msg = slog.LevelInfo, "execution not found yet, will retry"
		}
	case UpdateDone:
		level, msg = slog.LevelInfo, "wait ended"
		if u.Err != nil {
			level = slog.LevelWarn
		}
	}
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs,
		slog.String("task", u.TaskID),
		slog.String("execution", u.ExecutionID),
		slog.String("status", p.text(string(u.Status))),
		slog.Int("requests", u.Requests))
	if u.Kind == UpdateStatusChange {
		attrs = append(attrs, slog.String("previous", p.text(string(u.Previous))))
	}
	if u.Kind != UpdateDone {
		attrs = append(attrs, slog.Duration("next", u.NextDelay))
	}
	if u.Err != nil {
		attrs = append(attrs, slog.String("error", p.text(u.Err.Error())))
	}
	l.LogAttrs(ctx, level, msg, attrs...)
}
