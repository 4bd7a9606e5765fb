package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// command names a command of anchor-wait.
type command string

const (
	cmdWait    command = "wait" // the default: wait for executions; it has no word
	cmdRun     command = "run"
	cmdExec    command = "exec"
	cmdRuns    command = "runs"
	cmdStart   command = "start"
	cmdDemo    command = "demo"
	cmdHelp    command = "help"
	cmdVersion command = "version"
)

// synopsis is one way to call a command, and what it does.
type synopsis struct{ form, what string }

// commandDef is one command: its help and how it runs. Each command has its
// own options type (the flag groups it takes and its arguments) and its own
// run function, in a file named for it; bindCommand ties them together.
type commandDef struct {
	name     command
	synopses []synopsis
	about    string   // what the command does, at the top of its help
	examples []string // command lines, for the help
	// flagsNote follows "Flags" in the help, such as "(before or after
	// the IDs)".
	flagsNote   string
	environment bool   // the help lists the environment variables
	exitNote    string // said after the exit codes in the help

	// parse returns the command's options from the arguments that follow
	// the command's word. Errors are *usageError or *helpRequest.
	parse func(args []string) (commandOptions, error)
	// run runs the command with options from parse and returns the exit
	// code.
	run func(ctx context.Context, e *cliEnv, o commandOptions) int
}

// commandOptions are the options of one command.
type commandOptions interface {
	// targets says where the flags of the command go.
	targets() flagTargets
	// setArgs takes the positional arguments, checking how many there are.
	setArgs(positional []string) error
}

// bindCommand completes d with the parsing of the options type T and the
// run function run.
func bindCommand[T any, P interface {
	*T
	commandOptions
}](d commandDef, run func(context.Context, *cliEnv, P) int) *commandDef {
	d.parse = func(args []string) (commandOptions, error) {
		o := P(new(T))
		positional, err := parseFlags(d.name, o.targets(), args)
		if err != nil {
			if w := misplacedCommand(d.name, args); w != "" {
				return nil, mustComeFirst(w)
			}
			return nil, err
		}
		if err := o.setArgs(positional); err != nil {
			return nil, err
		}
		return o, nil
	}
	d.run = func(ctx context.Context, e *cliEnv, o commandOptions) int { return run(ctx, e, o.(P)) }
	return &d
}

// commands is the command table, in the order the main help lists them.
// It is filled by init: the help command reads it.
var commands []*commandDef

func init() {
	commands = []*commandDef{waitCommand(), runCommand(), startCommand(), execCommand(), runsCommand(), demoCommand(), helpCommand(), versionCommand()}
}

// lookupCommand returns the command named name, nil for none.
func lookupCommand(name command) *commandDef {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// commandWord reports whether s is the word of a command, one that must
// come first on the command line.
func commandWord(s string) bool {
	return s != string(cmdWait) && lookupCommand(command(s)) != nil
}

// commandFor picks the command of a command line: the one whose word comes
// first, else the default wait. It returns the arguments that follow.
func commandFor(args []string) (*commandDef, []string) {
	if len(args) > 0 && commandWord(args[0]) {
		return lookupCommand(command(args[0])), args[1:]
	}
	return lookupCommand(cmdWait), args
}

// misplacedCommand returns the word of a command that args of the default
// command hold before any "--", as when flags are placed before run; ""
// when there is none.
func misplacedCommand(cmd command, args []string) string {
	if cmd != cmdWait {
		return ""
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if commandWord(a) {
			return a
		}
	}
	return ""
}

// mustComeFirst is the error for a command word that follows flags.
func mustComeFirst(word string) error {
	return usagef("%s must come first, before any flag: want anchor-wait %s [flags]...", word, word)
}

// looksLikeCommand reports whether s, found where a command could stand,
// is meant as one: a single word of letters (an ID has digits or dashes).
var looksLikeCommand = regexp.MustCompile(`^[A-Za-z]+$`).MatchString

// commandHints are words that are not commands, with what to use instead.
var commandHints = map[string]string{
	"wait": "", // the default command has no word
}

// unknownCommand is the error for word, found where a command could stand,
// with the nearest command suggested.
func unknownCommand(word string) error {
	lower := strings.ToLower(word)
	near, hinted := commandHints[lower]
	if !hinted {
		near = nearestCommand(lower)
	}
	switch {
	case hinted && near == "":
		return usagef("unknown command %s: anchor-wait waits when no command is given: want anchor-wait [flags] TASK_ID EXECUTION_ID...", quoteValue(word))
	case near != "":
		return usagef("unknown command %s: the nearest is %s: want anchor-wait %s [flags]... (see anchor-wait %s --help)", quoteValue(word), near, near, near)
	}
	return usagef("unknown command %s: want one of %s, or anchor-wait [flags] TASK_ID EXECUTION_ID... to wait", quoteValue(word), strings.Join(commandWords(), ", "))
}

// commandWords lists the words of the commands.
func commandWords() []string {
	var words []string
	for _, c := range commands {
		if commandWord(string(c.name)) {
			words = append(words, string(c.name))
		}
	}
	return words
}

// nearestCommand returns the command word nearest to s, a likely typo of
// it (at most two edits, and fewer than half its letters), or "".
func nearestCommand(s string) string {
	best, bestDist := "", 3
	for _, w := range commandWords() {
		if d := editDistance(s, w); d < bestDist && 2*d < len(w) {
			best, bestDist = w, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counting an
// exchange of two neighbours as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// noArgs is the error for a command that takes no arguments but got some.
func noArgs(cmd command, positional []string) error {
	if len(positional) == 0 {
		return nil
	}
	return usagef("%s takes no arguments, got %s: want %s", cmd, quoteValue(positional[0]), usageLine(cmd))
}

// usageLine is the usage of cmd, for messages: "anchor-wait run [flags] TASK_ID".
func usageLine(cmd command) string {
	if c := lookupCommand(cmd); c != nil && len(c.synopses) > 0 {
		return c.synopses[0].form
	}
	return fmt.Sprintf("anchor-wait %s", cmd)
}
