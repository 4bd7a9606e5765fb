package client_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/internal/hostile"
)

// TestTransportErrorKeepsKeyOut: a server whose status line echoes the
// request's headers makes net/http's error quote the key (%q, so a '"' in
// it comes out as \"); neither the error, nor any error it unwraps to, nor
// the client's log holds the key in either form, and the error is still a
// transport error.
func TestTransportErrorKeepsKeyOut(t *testing.T) {
	const key = `sk-quoted-"7f3a9c2e"-b41d`
	srv := hostile.NewServer(hostile.EchoHeaders(hostile.InStatusLine))
	defer srv.Close()
	var logs bytes.Buffer
	c, err := client.New(key, client.WithBaseURL(srv.URL()), client.WithMaxRetries(1), client.WithRandom(noJitter),
		client.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetExecution(context.Background(), taskID, taskID)
	if !errors.Is(err, client.ErrTransport) {
		t.Fatalf("error %v, want one matching ErrTransport", err)
	}
	if !strings.Contains(err.Error(), "malformed HTTP status code") {
		t.Fatalf("error %q: want net/http's malformed status line", err)
	}
	quoted := strconv.Quote(key)
	forms := []string{key, quoted[1 : len(quoted)-1], "7f3a9c2e"}
	for e := err; e != nil; e = errors.Unwrap(e) {
		for _, f := range forms {
			if strings.Contains(e.Error(), f) {
				t.Errorf("error %T %q holds the key as %q", e, e.Error(), f)
			}
		}
	}
	for _, f := range forms {
		if strings.Contains(logs.String(), f) {
			t.Errorf("the log holds the key as %q:\n%s", f, logs.String())
		}
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2 (one retry)", n)
	}
}
