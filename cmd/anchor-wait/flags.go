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
	"unicode/utf8"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// command is what anchor-wait was asked to do.
type command string

const (
	cmdWait    command = "wait" // the default: wait for executions
	cmdRun     command = "run"
	cmdDemo    command = "demo"
	cmdHelp    command = "help"
	cmdVersion command = "version"
)

// Defaults of the flags.
const (
	defaultTimeout     = 30 * time.Minute
	defaultConcurrency = poller.DefaultConcurrency
	maxConcurrency     = 1024
	maxCount           = 1000
	// minInterval is the shortest --interval and --max-interval: shorter
	// would poll the API in a tight loop.
	minInterval = 10 * time.Millisecond
)

// options holds the parsed flags of every command; each command defines
// only the flags it takes.
type options struct {
	timeout     time.Duration // 0: no limit
	interval    time.Duration
	maxInterval time.Duration
	concurrency int
	rate        float64
	failFast    bool
	output      string
	junit       string
	apiKeyFile  string
	baseURL     string
	quiet       bool
	verbose     bool
	noColor     bool

	showVersion bool // wait: --version prints the tool's version

	// run
	taskVersion string
	inputs      map[string]string
	count       int

	maxIntervalSet bool // --max-interval was given
}

// defaultOptions returns the options before any flag is applied.
func defaultOptions() options {
	return options{
		timeout:     defaultTimeout,
		interval:    poller.DefaultInitialInterval,
		maxInterval: poller.DefaultMaxInterval,
		concurrency: defaultConcurrency,
		output:      formatText,
		count:       1,
	}
}

// usageError is bad usage: it is printed as one line and the exit code is 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// helpRequest is returned by parseArgs for -h, --help and help: the help of
// cmd goes to stdout and the exit code is 0.
type helpRequest struct{ cmd command }

func (h *helpRequest) Error() string { return "help requested" }

// newFlagSet defines the flags of cmd on a FlagSet that writes nothing and
// stores into o.
func newFlagSet(cmd command, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet(string(cmd), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	// Flags every command shares.
	fs.Var(outputValue{&o.output}, "output", "")
	fs.StringVar(&o.junit, "junit", "", "")
	fs.BoolVar(&o.quiet, "quiet", false, "")
	fs.BoolVar(&o.verbose, "verbose", false, "")
	fs.BoolVar(&o.noColor, "no-color", false, "")
	if cmd == cmdDemo {
		return fs
	}
	fs.Var(durationValue{p: &o.timeout}, "timeout", "")
	fs.Var(durationValue{p: &o.interval, min: minInterval}, "interval", "")
	fs.Var(durationValue{p: &o.maxInterval, min: minInterval}, "max-interval", "")
	fs.Var(intValue{p: &o.concurrency, min: 1, max: maxConcurrency}, "concurrency", "")
	fs.Var(rateValue{&o.rate}, "rate", "")
	fs.BoolVar(&o.failFast, "fail-fast", false, "")
	fs.StringVar(&o.apiKeyFile, "api-key-file", "", "")
	fs.StringVar(&o.baseURL, "base-url", "", "")
	switch cmd {
	case cmdWait:
		fs.BoolVar(&o.showVersion, "version", false, "")
	case cmdRun:
		fs.Var(versionValue{&o.taskVersion}, "version", "")
		fs.Var(inputsValue{&o.inputs}, "input", "")
		fs.Var(intValue{p: &o.count, min: 1, max: maxCount}, "count", "")
	}
	return fs
}

// parseArgs splits the command line into the command, its options and its
// positional arguments. Flags may come before or after the positional
// arguments; "--" ends the flags. Errors are *usageError or *helpRequest.
func parseArgs(args []string) (command, options, []string, error) {
	cmd := cmdWait
	if len(args) > 0 {
		switch command(args[0]) {
		case cmdRun, cmdDemo, cmdHelp, cmdVersion:
			cmd, args = command(args[0]), args[1:]
		}
	}
	o := defaultOptions()
	switch cmd {
	case cmdHelp:
		topic := cmdWait
		if len(args) > 0 {
			topic = command(args[0])
		}
		switch topic {
		case cmdWait, cmdRun, cmdDemo:
		default:
			return cmd, o, nil, usagef("no help on %s: want anchor-wait help, help run or help demo", quoteValue(args[0]))
		}
		if len(args) > 1 {
			return cmd, o, nil, usagef("help takes at most one command, got %d arguments: want anchor-wait help [run|demo]", len(args))
		}
		return cmd, o, nil, &helpRequest{topic}
	case cmdVersion:
		if len(args) > 0 {
			return cmd, o, nil, usagef("version takes no arguments, got %s: want anchor-wait version", quoteValue(args[0]))
		}
		return cmd, o, nil, nil
	}
	fs := newFlagSet(cmd, &o)
	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return cmd, o, nil, &helpRequest{cmd}
	}
	if err != nil {
		return cmd, o, nil, &usageError{msg: flagErrorText(cmd, err)}
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "max-interval" {
			o.maxIntervalSet = true
		}
	})
	return cmd, o, positional, nil
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

// checkOptions checks what single flags cannot: how flags combine.
func checkOptions(o *options) error {
	if o.quiet && o.verbose {
		return usagef("--quiet and --verbose contradict each other: want at most one of them")
	}
	if o.interval > o.maxInterval {
		if o.maxIntervalSet {
			return usagef("--max-interval %v is below --interval %v: want --max-interval at least --interval", o.maxInterval, o.interval)
		}
		o.maxInterval = o.interval
	}
	return nil
}

// checkUUID returns a usage error unless id is a UUID in its 36-character
// form, the only form the API takes; what names the ID in the message.
func checkUUID(what, id string) error {
	if !isUUID(id) {
		return usagef("%s %s is not a UUID: want 36 characters such as %s", what, quoteValue(id), exampleID)
	}
	return nil
}

// exampleID is a well-formed ID for messages and help.
const exampleID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"

// baseURLFrom picks the API server: --base-url, else ANCHORBROWSER_BASE_URL,
// else the default; and checks it.
func baseURLFrom(o *options, getenv func(string) string) (string, error) {
	raw, source := o.baseURL, "--base-url"
	if raw == "" {
		raw, source = getenv(client.EnvBaseURL), client.EnvBaseURL
	}
	if raw == "" {
		return client.DefaultBaseURL, nil
	}
	if _, err := client.ParseBaseURL(raw); err != nil {
		return "", usagef("%s: %s", source, oneLine(err.Error()))
	}
	return raw, nil
}
