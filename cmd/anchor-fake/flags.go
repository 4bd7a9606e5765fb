package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/webhook"
)

// config is what the command line asks for.
type config struct {
	addr     string
	apiKey   string
	status   client.Status
	queued   time.Duration
	running  time.Duration
	template anchortest.Script
	seed     *uint64
	verbose  bool
	webhook  *anchortest.Webhook // nil: no webhook events
}

// defaultErrorMessages are the errorMessage of executions that end other
// than in success, when --error-message is not given.
var defaultErrorMessages = map[client.Status]string{
	client.StatusFailure:   "Task failed",
	client.StatusTimeout:   "Task timed out",
	client.StatusCancelled: "Task was cancelled",
}

const usageText = `Usage: anchor-fake [flags]

Serves a fake Anchor Browser API and prints its base URL on stdout.
POST /v1/task/run starts an execution of any task (a UUID); polls of
GET /v1/task/{taskId}/executions/{executionId} then see it queued for
--queued, running for --running, and ending with --status.

The API key comes from --api-key, else from $` + client.EnvAPIKey + `.

With --webhook-url, each started execution that ends also gets a webhook
event, signed and sent as Anchor sends it (task.completed, task.failed or
task.cancelled), --webhook-delay after it ends, retried up to 6 times. The
signing secret comes from --webhook-secret-file, else from
$` + webhook.EnvSecret + `; it is never printed.
Exit status: 0 when stopped by SIGINT or SIGTERM, 1 if the address cannot
be used, 2 for bad flags or no API key.

Flags:
`

// parseArgs reads the command line. For -h it writes the usage to stderr
// and returns flag.ErrHelp; errors are returned for the caller to report.
func parseArgs(args []string, stderr io.Writer, getenv func(string) string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("anchor-fake", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run
	fs.Usage = func() {}
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "`address` to listen on (port 0 picks a free one)")
	fs.StringVar(&cfg.apiKey, "api-key", "", "the API `key` clients must send (default $"+client.EnvAPIKey+")")
	status := fs.String("status", string(client.StatusSuccess), "how started executions end: success, failure, timeout, cancelled; or running or queued to never end")
	fs.DurationVar(&cfg.queued, "queued", time.Second, "how long a started execution stays queued")
	fs.DurationVar(&cfg.running, "running", 3*time.Second, "how long it then runs before it ends")
	output := fs.String("output", anchortest.DefaultOutput, "the `text` a successful execution outputs")
	errMsg := fs.String("error-message", "", "the errorMessage of an execution that does not succeed (default: one per status)")
	visible := fs.Duration("visible-after", 0, "answer 404 for a started execution until it is this old")
	seed := fs.Uint64("seed", 0, "make generated execution IDs a fixed sequence for this `number`")
	fs.BoolVar(&cfg.verbose, "v", false, "log each request and webhook delivery to stderr (never the API key or secret)")
	var hook webhookFlags
	hook.define(fs)

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprint(stderr, usageText)
			fs.PrintDefaults()
		}
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q: anchor-fake takes flags only", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) {
		set[f.Name] = true
		if f.Name == "seed" {
			cfg.seed = seed
		}
	})
	if cfg.apiKey == "" {
		cfg.apiKey = getenv(client.EnvAPIKey)
	}
	cfg.status = client.Status(*status)
	switch {
	case cfg.apiKey == "":
		return cfg, fmt.Errorf("no API key: pass --api-key or set %s", client.EnvAPIKey)
	case strings.ContainsAny(cfg.apiKey, " \t\r\n"):
		return cfg, errors.New("the API key contains white space: want the key alone")
	case !cfg.status.Known():
		return cfg, fmt.Errorf("--status %q: want success, failure, timeout, cancelled, running or queued", *status)
	case cfg.queued < 0:
		return cfg, fmt.Errorf("--queued %v: want 0 or more", cfg.queued)
	case cfg.running < 0:
		return cfg, fmt.Errorf("--running %v: want 0 or more", cfg.running)
	case *visible < 0:
		return cfg, fmt.Errorf("--visible-after %v: want 0 or more", *visible)
	}
	cfg.template = template(cfg.status, cfg.queued, cfg.running, *output, *errMsg)
	cfg.template.VisibleAfter = *visible
	var err error
	if cfg.webhook, err = hook.webhook(set, *seed, getenv); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// template is the script of every execution the server starts.
func template(status client.Status, queued, running time.Duration, output, errMsg string) anchortest.Script {
	switch status {
	case client.StatusSuccess:
		return anchortest.Succeed(queued, running, output)
	case client.StatusQueued:
		return anchortest.Always(client.StatusQueued)
	case client.StatusRunning:
		return anchortest.Script{Steps: []anchortest.Step{
			{At: 0, Status: client.StatusQueued},
			{At: queued, Status: client.StatusRunning},
		}}
	}
	if errMsg == "" {
		errMsg = defaultErrorMessages[status]
	}
	s := anchortest.Finish(status, queued, running)
	s.Steps[len(s.Steps)-1].ErrorMessage = &errMsg
	return s
}
