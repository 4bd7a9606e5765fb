package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/anchorwait/anchorwait/client/anchortest"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the server could not start
	exitUsage = 2 // bad flags or no API key
)

// run is the whole command: it parses args, serves until ctx ends, and
// returns the exit status. getenv looks up environment variables.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cfg, err := parseArgs(args, getenv)
	switch {
	case errors.Is(err, errHelp):
		io.WriteString(stdout, helpText())
		return exitOK
	case errors.Is(err, errVersion):
		io.WriteString(stdout, versionText())
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "anchor-fake: %v\n", err)
		return exitUsage
	}
	// A long-running fake keeps no request records: nothing reads them, and
	// kept forever they would grow without bound.
	opts := []anchortest.Option{anchortest.WithAPIKey(cfg.apiKey), anchortest.WithTemplate(cfg.template), anchortest.WithRecordLimit(0)}
	if cfg.script != nil {
		opts = append(opts, anchortest.WithTemplateFunc(cfg.script))
	}
	if cfg.seed != nil {
		opts = append(opts, anchortest.WithSeed(*cfg.seed))
	}
	if cfg.webhook != nil {
		opts = append(opts, anchortest.WithWebhook(*cfg.webhook))
	}
	var logger *slog.Logger
	if cfg.verbose {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
		opts = append(opts, anchortest.WithLogger(logger))
	}
	s, err := anchortest.Listen(cfg.addr, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "anchor-fake: %v\n", err)
		return exitError
	}
	defer s.Close()
	fmt.Fprintln(stdout, s.URL)
	if logger != nil {
		ends := string(cfg.status)
		if cfg.outcomes != nil {
			ends = cfg.outcomes.String()
		}
		logger.Info("serving the fake Anchor Browser API", "url", s.URL, "outcomes", ends, "queued", cfg.queued, "running", cfg.running)
		if h := cfg.webhook; h != nil {
			logger.Info("delivering webhook events", "url", urlForLog(h.URL), "delay", max(h.Delay, 0),
				"lose", h.Lose != nil, "duplicate", h.Duplicate != nil, "wrong_secret", h.WrongSecret != nil)
		}
	}
	<-ctx.Done()
	if logger != nil {
		logger.Info("stopping")
	}
	return exitOK
}
