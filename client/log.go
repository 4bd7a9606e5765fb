package client

import (
	"log/slog"
	"time"
)

// The attributes the client logs. None of them can hold the API key: the key
// is only ever in a request header, and headers are not logged.
const debug = slog.LevelDebug

func attrMethod(m string) slog.Attr       { return slog.String("method", m) }
func attrPath(p string) slog.Attr         { return slog.String("path", p) }
func attrAttempt(n int) slog.Attr         { return slog.Int("attempt", n) }
func attrTook(d time.Duration) slog.Attr  { return slog.Duration("took", d) }
func attrDelay(d time.Duration) slog.Attr { return slog.Duration("retry_in", d) }
func attrErr(err error) slog.Attr         { return slog.String("error", err.Error()) }
