package client

import (
	"log/slog"
	"time"
)

// The attributes the client logs. None of them can hold the API key: the key
// is only ever sent in a request header, headers are not logged, and an
// error is logged only once redactErr has blanked the key out of it (a
// transport error can quote what a hostile server echoed).
const debug = slog.LevelDebug

func attrMethod(m string) slog.Attr       { return slog.String("method", m) }
func attrPath(p string) slog.Attr         { return slog.String("path", p) }
func attrAttempt(n int) slog.Attr         { return slog.Int("attempt", n) }
func attrTook(d time.Duration) slog.Attr  { return slog.Duration("took", d) }
func attrDelay(d time.Duration) slog.Attr { return slog.Duration("retry_in", d) }
func attrErr(err error) slog.Attr         { return slog.String("error", err.Error()) }
