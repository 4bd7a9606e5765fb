package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/webhook"
)

// config is what the command line asks for.
type config struct {
	addr    string
	apiKey  string
	status  client.Status
	queued  time.Duration
	running time.Duration
	// template is the script of every execution started, unless
	// outcomes is set: then the nth one started gets script(n).
	template anchortest.Script
	outcomes outcomes
	script   func(n int) anchortest.Script
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

// Requests for something other than serving, returned by parseArgs.
var (
	errHelp    = errors.New("help requested")    // --help: the help on stdout
	errVersion = errors.New("version requested") // --version: the version on stdout
)

// flagValues are the values the flags are parsed into, before they are
// checked and turned into a config.
type flagValues struct {
	cfg      config
	status   string
	output   string
	errMsg   string
	visible  time.Duration
	seed     uint64
	outcomes outcomes
	hook     webhookFlags
	help     bool
	version  bool
}

// fakeFlag is one flag of anchor-fake, in the order the help lists them.
type fakeFlag struct {
	name  string // without dashes
	short string // a one-letter alias, "" for none
	arg   string // what the value is, in the help; "" for a switch
	// def is the default as the help shows it, "" for none to show.
	def   string
	usage string
	bind  func(fs *flag.FlagSet, v *flagValues, name string)
}

// flagTable is every flag of anchor-fake: the flag set and the help are
// made from it.
var flagTable = []fakeFlag{
	{name: "addr", arg: "ADDRESS", def: "127.0.0.1:8080",
		usage: "address to listen on; port 0 picks a free one",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.StringVar(&v.cfg.addr, n, "127.0.0.1:8080", "") }},
	{name: "api-key", arg: "KEY", def: "$" + client.EnvAPIKey,
		usage: "the API key clients must send; never printed",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.StringVar(&v.cfg.apiKey, n, "", "") }},
	{name: "status", arg: "STATUS", def: string(client.StatusSuccess),
		usage: "how every started execution ends: success, failure, timeout or cancelled; running or queued never end",
		bind: func(fs *flag.FlagSet, v *flagValues, n string) {
			fs.StringVar(&v.status, n, string(client.StatusSuccess), "")
		}},
	{name: "outcomes", arg: "STATUS=N,...",
		usage: "how the started executions end, in turn: the first N1 with STATUS1, the next N2 with STATUS2, and so on, then again from the start; success=3,failure=1 makes every 4th fail. Instead of --status",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.Var(&v.outcomes, n, "") }},
	{name: "queued", arg: "DURATION", def: "1s",
		usage: "how long a started execution stays queued",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.DurationVar(&v.cfg.queued, n, time.Second, "") }},
	{name: "running", arg: "DURATION", def: "3s",
		usage: "how long it then runs before it ends",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.DurationVar(&v.cfg.running, n, 3*time.Second, "") }},
	{name: "output", arg: "TEXT", def: anchortest.DefaultOutput,
		usage: "the output of an execution that succeeds",
		bind: func(fs *flag.FlagSet, v *flagValues, n string) {
			fs.StringVar(&v.output, n, anchortest.DefaultOutput, "")
		}},
	{name: "error-message", arg: "TEXT", def: "one per status",
		usage: "the errorMessage of an execution that does not succeed",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.StringVar(&v.errMsg, n, "", "") }},
	{name: "visible-after", arg: "DURATION", def: "0s",
		usage: "answer 404 for a started execution until it is this old, as the real API may just after a start",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.DurationVar(&v.visible, n, 0, "") }},
	{name: "seed", arg: "N",
		usage: "make the generated execution IDs a fixed sequence for this number (and the events --webhook-loss drops)",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.Uint64Var(&v.seed, n, 0, "") }},
	{name: "webhook-url", arg: "URL",
		usage: "deliver a signed webhook event to URL when each started execution ends, as Anchor does (task.completed, task.failed or task.cancelled), retried up to 6 times",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.StringVar(&v.hook.url, n, "", "") }},
	{name: "webhook-secret-file", arg: "FILE", def: "$" + webhook.EnvSecret,
		usage: "read the webhook signing secret from FILE; never printed",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.StringVar(&v.hook.secretFile, n, "", "") }},
	{name: "webhook-delay", arg: "DURATION", def: anchortest.DefaultWebhookDelay.String(),
		usage: "send each event this long after its execution ends; 0 for at once",
		bind: func(fs *flag.FlagSet, v *flagValues, n string) {
			fs.DurationVar(&v.hook.delay, n, anchortest.DefaultWebhookDelay, "")
		}},
	{name: "webhook-loss", arg: "FRACTION",
		usage: "drop this fraction of the events, such as 0.05: the same ones for the same --seed",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.Var(&v.hook.loss, n, "") }},
	{name: "webhook-duplicate", arg: "FRACTION",
		usage: "deliver this fraction of the events twice, such as 0.05",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.Var(&v.hook.duplicate, n, "") }},
	{name: "webhook-wrong-secret",
		usage: "sign the events with a wrong secret, so that receivers refuse them",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.BoolVar(&v.hook.wrong, n, false, "") }},
	{name: "verbose", short: "v",
		usage: "log each request and webhook delivery to stderr; never the API key or the secret",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.BoolVar(&v.cfg.verbose, n, false, "") }},
	{name: "version",
		usage: "print the version of anchor-fake and exit",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.BoolVar(&v.version, n, false, "") }},
	{name: "help", short: "h",
		usage: "this help",
		bind:  func(fs *flag.FlagSet, v *flagValues, n string) { fs.BoolVar(&v.help, n, false, "") }},
}

// newFlagSet defines the flags of flagTable, short forms included, over v.
// The FlagSet writes nothing.
func newFlagSet(v *flagValues) *flag.FlagSet {
	fs := flag.NewFlagSet("anchor-fake", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for _, f := range flagTable {
		f.bind(fs, v, f.name)
		if f.short != "" {
			f.bind(fs, v, f.short)
		}
	}
	return fs
}

// parseArgs reads the command line: the config to serve, or errHelp or
// errVersion; other errors say what is wrong and what is expected, with
// flags spelled --name.
func parseArgs(args []string, getenv func(string) string) (config, error) {
	var v flagValues
	fs := newFlagSet(&v)
	if err := fs.Parse(args); err != nil {
		return v.cfg, errors.New(flagErrorText(err))
	}
	switch {
	case v.help:
		return v.cfg, errHelp
	case v.version:
		return v.cfg, errVersion
	case fs.NArg() > 0:
		return v.cfg, fmt.Errorf("unexpected argument %q: anchor-fake takes flags only (see anchor-fake --help)", fs.Arg(0))
	}
	cfg := v.cfg
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["seed"] {
		cfg.seed = &v.seed
	}
	if cfg.apiKey == "" {
		cfg.apiKey = getenv(client.EnvAPIKey)
	}
	cfg.status = client.Status(v.status)
	switch {
	case cfg.apiKey == "":
		return cfg, fmt.Errorf("no API key: pass --api-key or set %s", client.EnvAPIKey)
	case strings.ContainsAny(cfg.apiKey, " \t\r\n"):
		return cfg, errors.New("the API key contains white space: want the key alone")
	case !cfg.status.Known():
		return cfg, fmt.Errorf("--status %q: want success, failure, timeout, cancelled, running or queued", v.status)
	case set["status"] && set["outcomes"]:
		return cfg, errors.New("--status and --outcomes both say how executions end: want one of them")
	case cfg.queued < 0:
		return cfg, fmt.Errorf("--queued %v: want 0 or more", cfg.queued)
	case cfg.running < 0:
		return cfg, fmt.Errorf("--running %v: want 0 or more", cfg.running)
	case v.visible < 0:
		return cfg, fmt.Errorf("--visible-after %v: want 0 or more", v.visible)
	}
	cfg.template = template(cfg.status, cfg.queued, cfg.running, v.output, v.errMsg)
	cfg.template.VisibleAfter = v.visible
	if len(v.outcomes) > 0 {
		cfg.outcomes = v.outcomes
		cfg.script = v.outcomes.script(func(s client.Status) anchortest.Script {
			sc := template(s, cfg.queued, cfg.running, v.output, v.errMsg)
			sc.VisibleAfter = v.visible
			return sc
		})
	}
	var err error
	if cfg.webhook, err = v.hook.webhook(set, v.seed, getenv); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// template is the script of an execution that ends with status.
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

// outcomes is the value of --outcomes: how the started executions end, in
// turn.
type outcomes []outcomeShare

// outcomeShare is one STATUS=N of --outcomes.
type outcomeShare struct {
	status client.Status
	n      int
}

// maxShare is the largest N of a STATUS=N.
const maxShare = 1_000_000

func (o *outcomes) String() string {
	if o == nil {
		return ""
	}
	parts := make([]string, len(*o))
	for i, s := range *o {
		parts[i] = fmt.Sprintf("%s=%d", s.status, s.n)
	}
	return strings.Join(parts, ",")
}

func (o *outcomes) Set(s string) error {
	var out outcomes
	for _, part := range strings.Split(s, ",") {
		name, count, ok := strings.Cut(strings.TrimSpace(part), "=")
		st := client.Status(strings.TrimSpace(name))
		n, err := strconv.Atoi(strings.TrimSpace(count))
		switch {
		case !ok:
			return fmt.Errorf("%q is not STATUS=N: want such as success=3,failure=1", part)
		case !st.Known():
			return fmt.Errorf("%q is not a status: want success, failure, timeout, cancelled, running or queued", name)
		case err != nil || n < 1 || n > maxShare:
			return fmt.Errorf("%q: want a count from 1 to %d after the =", part, maxShare)
		}
		out = append(out, outcomeShare{st, n})
	}
	*o = out
	return nil
}

// statusOf returns the status the nth execution started (from 1) ends
// with.
func (o outcomes) statusOf(n int) client.Status {
	total := 0
	for _, s := range o {
		total += s.n
	}
	i := (n - 1) % total
	for _, s := range o {
		if i < s.n {
			return s.status
		}
		i -= s.n
	}
	return o[len(o)-1].status // not reached
}

// script returns the script of the nth execution started, as the
// outcomes say, each made by scriptFor.
func (o outcomes) script(scriptFor func(client.Status) anchortest.Script) func(n int) anchortest.Script {
	return func(n int) anchortest.Script { return scriptFor(o.statusOf(n)) }
}

// singleDashFlag matches a flag the flag package names with one dash.
var singleDashFlag = regexp.MustCompile(`(^|[\s:])-([a-z][a-z-]*)`)

// flagErrorText turns an error of the flag package into one line with
// flags spelled --name, saying where the flags are.
func flagErrorText(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return fmt.Sprintf("unknown flag --%s: see anchor-fake --help for the flags", strings.TrimLeft(name, "-"))
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return fmt.Sprintf("flag --%s needs a value: see anchor-fake --help", strings.TrimLeft(name, "-"))
	}
	return singleDashFlag.ReplaceAllString(msg, "$1--$2") + " (see anchor-fake --help)"
}
