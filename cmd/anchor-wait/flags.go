package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/anchorwait/anchorwait/poller"
)

// Limits of the flags.
const (
	maxConcurrency = 1024
	maxCount       = 1000
	// minInterval is the shortest --interval and --max-interval: shorter
	// would poll the API in a tight loop.
	minInterval = 10 * time.Millisecond
)

// The flags, in groups that commands share: each command's options hold
// the groups it takes, and the flag table binds every flag into one.

// reportFlags say how results are reported: every command that waits.
type reportFlags struct {
	output    string
	junit     string
	outputDir string // --output-dir; "" for none
	quiet     bool
	verbose   bool
	noColor   bool
}

// pollFlags say how to reach the API and how to wait: the commands that
// talk to the API.
type pollFlags struct {
	timeout       time.Duration // 0: no limit
	interval      time.Duration
	maxInterval   time.Duration
	notFoundGrace time.Duration
	stall         time.Duration // 0: never
	concurrency   int
	rate          float64
	failFast      bool
	pageSize      int
	noHistory     bool
	noSweeps      bool
	apiKeyFile    string
	baseURL       string
	webhook       webhookFlags

	maxIntervalSet bool // --max-interval was given
}

// startFlags say how to start a task: the commands that start executions.
type startFlags struct {
	taskVersion string
	inputs      map[string]string
	count       int
	v2          bool   // start with POST /v2/tasks/{taskId}/run
	state       string // --state FILE; "" for none
}

// flagTargets is where a command's options store the flags: the groups it
// takes, nil for the others.
type flagTargets struct {
	report      *reportFlags
	poll        *pollFlags
	start       *startFlags
	toolVersion *bool // anchor-wait --version
	help        *bool
}

// flagDef is one flag of the flag table.
type flagDef struct {
	name  string // without dashes
	short string // a one-letter alias, "" for none
	arg   string // what the value is, in the help; "" for a switch
	// def is the default as it would be given on the command line, set
	// through the flag's parser before parsing; "" leaves the zero value.
	def string
	// defText is how the help shows the default when def does not say it
	// all; "" shows def, if any.
	defText string
	usage   string
	cmds    []command
	// bind returns the flag's value, parser included, stored in t.
	bind func(t flagTargets) flag.Value
}

// Commands that share flags.
var (
	waitingCmds = []command{cmdWait, cmdRun, cmdExec, cmdRuns}                    // they wait
	taskCmds    = []command{cmdWait, cmdRun}                                      // the waits for a task's executions, which have a list
	apiCmds     = []command{cmdWait, cmdRun, cmdStart, cmdExec, cmdRuns}          // they talk to the API
	startCmds   = []command{cmdRun, cmdStart}                                     // they start executions
	reportCmds  = []command{cmdWait, cmdRun, cmdExec, cmdRuns, cmdDemo}           // they report results
	outputCmds  = []command{cmdWait, cmdRun, cmdStart, cmdExec, cmdRuns, cmdDemo} // they write to stdout and stderr
	allCmds     = []command{cmdWait, cmdRun, cmdStart, cmdExec, cmdRuns, cmdDemo, cmdHelp, cmdVersion}
)

// flagTable is every flag of every command, in the order --help lists
// them. It defines the flag sets, their defaults and the flags section of
// each command's --help, and the README's flag table.
var flagTable = []flagDef{
	{name: "version", arg: "VERSION", defText: "none: the API chooses", cmds: startCmds,
		usage: "task version to run: draft, latest or a number. Here --version is the task's version; anchor-wait --version prints the tool's",
		bind:  func(t flagTargets) flag.Value { return versionValue{&t.start.taskVersion} }},
	{name: "v2", cmds: startCmds,
		usage: "start with POST /v2/tasks/{taskId}/run: v2 runs, which run waits for (GET /v2/tasks/runs/{runId}/status) and start prints. --version, --input, --count and --state work as for v1; --page-size, --no-history and --no-sweeps are refused, as v2 has no list of runs",
		bind:  func(t flagTargets) flag.Value { return boolValue{&t.start.v2} }},
	{name: "input", arg: "NAME=VALUE", cmds: startCmds,
		usage: "a task input; repeat for several. NAME starts with ANCHOR_; with --v2 any name that is not empty, names and values valid UTF-8 (v2 has no rule for names)",
		bind:  func(t flagTargets) flag.Value { return inputsValue{&t.start.inputs} }},
	{name: "count", arg: "N", def: "1", cmds: startCmds,
		usage: fmt.Sprintf("start the task N times, at most %d (run waits for all of them); up to --concurrency starts at once. --timeout covers starting and waiting", maxCount),
		bind:  func(t flagTargets) flag.Value { return intValue{p: &t.start.count, min: 1, max: maxCount} }},
	{name: "state", arg: "FILE", cmds: startCmds,
		usage: "write the IDs of the executions started (the v2 runs, with --v2) to FILE, before any wait; when FILE already names them for the task (a re-run of the job), take those and start none",
		bind:  func(t flagTargets) flag.Value { return stringValue{&t.start.state} }},

	{name: "timeout", arg: "DURATION", def: "30m", cmds: apiCmds,
		usage: "stop waiting after this long; 0 means no limit. It bounds reading the key and the IDs too",
		bind:  func(t flagTargets) flag.Value { return durationValue{p: &t.poll.timeout} }},
	{name: "interval", arg: "DURATION", def: shortDuration(poller.DefaultInitialInterval), cmds: apiCmds,
		usage: "age of an execution at its second poll, at least " + shortDuration(minInterval) + "; each later poll comes when its age has grown " + strconv.FormatFloat(poller.DefaultMultiplier, 'g', -1, 64) + " times, or --max-interval after the last",
		bind:  func(t flagTargets) flag.Value { return durationValue{p: &t.poll.interval, min: minInterval} }},
	{name: "max-interval", arg: "DURATION", def: shortDuration(poller.DefaultMaxInterval), cmds: apiCmds,
		usage: "longest delay between polls, jitter included; at least " + shortDuration(minInterval),
		bind:  func(t flagTargets) flag.Value { return durationValue{p: &t.poll.maxInterval, min: minInterval} }},
	{name: "not-found-grace", arg: "DURATION", def: shortDuration(poller.DefaultNotFoundGrace), cmds: apiCmds,
		usage: "how long after its wait starts an execution may be not found (a new one may not be visible yet); after that a 404 ends its wait (exit 4). 0: the first 404 does",
		bind:  func(t flagTargets) flag.Value { return durationValue{p: &t.poll.notFoundGrace} }},
	{name: "stall", arg: "DURATION", defText: "0: never", cmds: waitingCmds,
		usage: "end the wait of an execution whose status has not changed for this long (stuck in queued, say) with exit 7, naming the status",
		bind:  func(t flagTargets) flag.Value { return durationValue{p: &t.poll.stall} }},
	{name: "concurrency", arg: "N", def: strconv.Itoa(poller.DefaultConcurrency), cmds: apiCmds,
		usage: fmt.Sprintf("requests in flight at most, 1 to %d; never limits how many executions are waited on", maxConcurrency),
		bind:  func(t flagTargets) flag.Value { return intValue{p: &t.poll.concurrency, min: 1, max: maxConcurrency} }},
	{name: "rate", arg: "N", defText: "0: no limit", cmds: apiCmds,
		usage: "requests per second at most; a server that sends RateLimit headers or answers 429 slows it further",
		bind:  func(t flagTargets) flag.Value { return rateValue{&t.poll.rate} }},
	{name: "fail-fast", cmds: waitingCmds,
		usage: "stop waiting for the others once one execution does not succeed",
		bind:  func(t flagTargets) flag.Value { return boolValue{&t.poll.failFast} }},
	{name: "page-size", arg: "N", def: strconv.Itoa(poller.DefaultPageSize), cmds: []command{cmdWait, cmdRun, cmdStart},
		usage: fmt.Sprintf("executions per page of a task's list, 1 to %d: larger pages take fewer requests to cover a big fan-out, smaller ones move less data when outputs are large", poller.MaxPageSize),
		bind:  func(t flagTargets) flag.Value { return intValue{p: &t.poll.pageSize, min: 1, max: poller.MaxPageSize} }},
	{name: "no-history", cmds: taskCmds,
		usage: "do not read a task's past executions (one list request per task) to learn how long it runs; poll by each execution's age alone",
		bind:  func(t flagTargets) flag.Value { return boolValue{&t.poll.noHistory} }},
	{name: "no-sweeps", cmds: taskCmds,
		usage: "poll every execution with a request of its own, never with pages of its task's list, however many are waited on",
		bind:  func(t flagTargets) flag.Value { return boolValue{&t.poll.noSweeps} }},

	{name: "output", arg: "FORMAT", def: formatText, cmds: outputCmds,
		usage: "results on stdout: text (a table), json (one document at the end) or jsonl (one line per execution as it finishes)",
		bind:  func(t flagTargets) flag.Value { return outputValue{&t.report.output} }},
	{name: "junit", arg: "FILE", cmds: reportCmds,
		usage: "also write a JUnit XML report to FILE, one test case per execution",
		bind:  func(t flagTargets) flag.Value { return stringValue{&t.report.junit} }},
	{name: "output-dir", arg: "DIR", cmds: reportCmds,
		usage: "also write each execution's whole output to DIR/ID.output, and its error message, when it has one, to DIR/ID.error (ID is the execution ID); DIR is made if need be",
		bind:  func(t flagTargets) flag.Value { return stringValue{&t.report.outputDir} }},

	{name: "api-key-file", arg: "FILE", cmds: apiCmds,
		usage: "read the API key from FILE, a file or a pipe, instead of $ANCHORBROWSER_API_KEY",
		bind:  func(t flagTargets) flag.Value { return stringValue{&t.poll.apiKeyFile} }},
	{name: "base-url", arg: "URL", defText: "$ANCHORBROWSER_BASE_URL, else https://api.anchorbrowser.io", cmds: apiCmds,
		usage: "API server; plain http only to a loopback address",
		bind:  func(t flagTargets) flag.Value { return stringValue{&t.poll.baseURL} }},

	{name: "webhook-listen", arg: "ADDR", cmds: waitingCmds,
		usage: "receive Anchor's webhook events on ADDR (HOST:PORT, port 0 for any free one), plain HTTP on every path: each verified event makes the waits it names due at once, so polls become a safety net. Needs the signing secret, at least " + strconv.Itoa(minSecretLen) + " characters ($ANCHORBROWSER_WEBHOOK_SECRET or --webhook-secret-file); the address it listens on goes to stderr",
		bind:  func(t flagTargets) flag.Value { return stringValue{&t.poll.webhook.listen} }},
	{name: "webhook-secret-file", arg: "FILE", cmds: waitingCmds,
		usage: "read the webhook signing secret from FILE, a file or a pipe, instead of $ANCHORBROWSER_WEBHOOK_SECRET; never printed",
		bind:  func(t flagTargets) flag.Value { return stringValue{&t.poll.webhook.secretFile} }},
	{name: "webhook-max-interval", arg: "DURATION", defText: shortDuration(defaultWebhookMaxInterval), cmds: waitingCmds,
		usage: "with --webhook-listen, how far apart the polls that back the events up are (the first is at once; --interval and --max-interval then no longer apply), at least --interval: a lost event is noticed this late",
		bind:  func(t flagTargets) flag.Value { return durationValue{p: &t.poll.webhook.maxInterval, min: minInterval} }},

	{name: "quiet", cmds: outputCmds,
		usage: "no progress on stderr",
		bind:  func(t flagTargets) flag.Value { return boolValue{&t.report.quiet} }},
	{name: "verbose", cmds: outputCmds,
		usage: "poll-by-poll detail on stderr; never the API key",
		bind:  func(t flagTargets) flag.Value { return boolValue{&t.report.verbose} }},
	{name: "no-color", cmds: outputCmds,
		usage: "no color in the progress line; NO_COLOR set and TERM=dumb do the same",
		bind:  func(t flagTargets) flag.Value { return boolValue{&t.report.noColor} }},

	{name: "version", cmds: []command{cmdWait},
		usage: "print the version of anchor-wait and exit",
		bind:  func(t flagTargets) flag.Value { return boolValue{t.toolVersion} }},
	{name: "help", short: "h", cmds: allCmds,
		usage: "this help",
		bind:  func(t flagTargets) flag.Value { return boolValue{t.help} }},
}

// flagsOf returns the flags of cmd, in table order.
func flagsOf(cmd command) []flagDef {
	var out []flagDef
	for _, f := range flagTable {
		if slices.Contains(f.cmds, cmd) {
			out = append(out, f)
		}
	}
	return out
}

// newFlagSet defines the flags of cmd, stored in t, with their defaults
// set. The FlagSet writes nothing.
func newFlagSet(cmd command, t flagTargets) *flag.FlagSet {
	fs := flag.NewFlagSet(string(cmd), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for _, f := range flagsOf(cmd) {
		v := f.bind(t)
		if f.def != "" {
			if err := v.Set(f.def); err != nil {
				panic(fmt.Sprintf("flag table: default %q of --%s: %v", f.def, f.name, err))
			}
		}
		fs.Var(v, f.name, f.usage)
		if f.short != "" {
			fs.Var(v, f.short, f.usage)
		}
	}
	return fs
}

// defaultTargets returns every flag group, set to the flag table's
// defaults.
func defaultTargets() flagTargets {
	t := flagTargets{report: &reportFlags{}, poll: &pollFlags{}, start: &startFlags{}, toolVersion: new(bool), help: new(bool)}
	for _, cmd := range allCmds {
		newFlagSet(cmd, t)
	}
	return t
}

// usageError is bad usage: it is printed as one line and the exit code is 2.
// err is the library's error it stands for, if any (one matching
// client.ErrInvalidID, say), so that errors.Is sees it.
type usageError struct {
	msg string
	err error
}

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// helpRequest is returned by parsing for -h, --help and help: the help of
// cmd goes to stdout and the exit code is 0.
type helpRequest struct{ cmd command }

func (h *helpRequest) Error() string { return "help requested" }

// parseFlags parses the flags of cmd in args into t and returns the
// positional arguments. Flags may come before or after the positional
// arguments; "--" ends the flags. Errors are *usageError or *helpRequest.
func parseFlags(cmd command, t flagTargets, args []string) ([]string, error) {
	var help bool
	t.help = &help
	fs := newFlagSet(cmd, t)
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, &usageError{msg: flagErrorText(cmd, err)}
	}
	if help {
		return nil, &helpRequest{cmd}
	}
	if t.poll != nil {
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "max-interval" {
				t.poll.maxIntervalSet = true
			}
		})
	}
	return positional, nil
}

// parseInterspersed parses fs over args, letting flags follow positional
// arguments, and returns the positional arguments in order. After "--"
// every argument is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

var singleDashFlag = regexp.MustCompile(`(^|[\s:])-([a-z][a-z-]*)`)

// flagValueError matches the flag package's error for a value a flag
// refuses: the value, the flag's name and why.
var flagValueError = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-(\S+): (.*)$`)

// flagErrorText turns an error of the flag package into one line that says
// what was wrong and what is expected, with flags spelled --name. A value
// the user gave is quoted whole or not at all (see quoteValue).
func flagErrorText(cmd command, err error) string {
	msg := err.Error()
	help := "anchor-wait --help"
	if cmd != cmdWait {
		help = "anchor-wait " + string(cmd) + " --help"
	}
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		if others := commandsTaking(strings.TrimLeft(name, "-")); len(others) > 0 {
			return fmt.Sprintf("unknown flag %s: %s does not take it (%s do): see %s for the flags", flagName(name), commandName(cmd), strings.Join(others, ", "), help)
		}
		return fmt.Sprintf("unknown flag %s: see %s for the flags", flagName(name), help)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return fmt.Sprintf("flag %s needs a value: see %s", flagName(name), help)
	}
	if m := flagValueError.FindStringSubmatch(msg); m != nil {
		if value, uerr := strconv.Unquote(m[1]); uerr == nil {
			return fmt.Sprintf("invalid value %s for flag %s: %s (see %s)", quoteValue(value), flagName(m[2]), oneLine(m[3]), help)
		}
	}
	msg = singleDashFlag.ReplaceAllString(msg, "$1--$2")
	return oneLine(msg) + " (see " + help + ")"
}

// commandsTaking names the commands that take the flag name, as
// "anchor-wait", "run": none for a flag no command takes.
func commandsTaking(name string) []string {
	var out []string
	for _, f := range flagTable {
		if f.name != name && f.short != name {
			continue
		}
		for _, c := range f.cmds {
			if c != cmdHelp && !slices.Contains(out, commandName(c)) {
				out = append(out, commandName(c))
			}
		}
	}
	return out
}

// commandName is how messages name a command: "anchor-wait" for the
// default one, else its word.
func commandName(c command) string {
	if c == cmdWait {
		return "anchor-wait"
	}
	return string(c)
}

// flagName spells a flag name the user typed as --name, or gives only its
// length when it is too long to show (see quoteValue).
func flagName(name string) string {
	name = "--" + strings.TrimLeft(name, "-")
	if utf8.RuneCountInString(name) > maxShownValue || strings.ContainsFunc(name, isControl) {
		return quoteValue(name)
	}
	return name
}

// maxShownValue is the longest value a message quotes: a UUID, with room for
// braces or a stray character.
const maxShownValue = 40

// quoteValue quotes a value the user gave for an error message: whole, as a
// Go string literal, when it has at most maxShownValue characters, else only
// its length, as "<57 characters, not shown>". It never cuts a value: the
// output redactor blanks an API key that is shown whole, but would not
// recognize part of one.
func quoteValue(s string) string {
	if n := utf8.RuneCountInString(s); n > maxShownValue {
		return fmt.Sprintf("<%d characters, not shown>", n)
	}
	return strconv.Quote(s)
}

// quotePath quotes a file path for an error message, whole: a path is no
// secret, and a cut one would not help find the file.
func quotePath(path string) string { return strconv.Quote(path) }

// isControl reports whether r is a control character.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// oneLine replaces line breaks and other control characters with spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
}

// check checks what single poll flags cannot: how they combine. It may
// raise --max-interval to --interval when only the latter was given.
func (o *pollFlags) check() error {
	if o.interval > o.maxInterval {
		if o.maxIntervalSet {
			return usagef("--max-interval %v is below --interval %v: want --max-interval at least --interval", o.maxInterval, o.interval)
		}
		o.maxInterval = o.interval
	}
	return o.webhook.check(o.interval)
}

// check checks how report flags combine.
func (o *reportFlags) check() error {
	if o.quiet && o.verbose {
		return usagef("--quiet and --verbose contradict each other: want at most one of them")
	}
	return nil
}

// shortDuration formats d as a flag value people write: "30m", "1s",
// "1h30m", not "30m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// errNoValue is what a switch says to a value it cannot take.
var errNoValue = errors.New("want true or false, or the flag alone")
