// Command anchor-fake serves a fake Anchor Browser API on a local port, for
// testing pipelines that wait on Anchor task executions without the real
// service.
//
//	anchor-fake --addr 127.0.0.1:8080 --api-key KEY [flags]
//
// It prints its base URL on the first line of stdout, accepts POST
// /v1/task/run for any task whose ID is a UUID, and answers polls of the
// executions it started: by default each is queued for a second, runs for
// three, then succeeds. Flags choose other outcomes: --status for all of
// them, --outcomes for a mix (success=3,failure=1 makes every fourth one
// fail). With --verbose it logs each request to stderr; the API key is never
// printed. SIGINT or SIGTERM stops it cleanly with exit status 0;
// --version prints its version and --help its flags.
//
// Point a client at it with ANCHORBROWSER_BASE_URL set to the printed URL
// and ANCHORBROWSER_API_KEY set to the same key.
//
// With --webhook-url it also delivers a signed webhook event, as Anchor
// does, when each execution ends (secret from ANCHORBROWSER_WEBHOOK_SECRET
// or --webhook-secret-file, never printed), and can drop, duplicate or
// mis-sign events: --webhook-loss, --webhook-duplicate,
// --webhook-wrong-secret.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
