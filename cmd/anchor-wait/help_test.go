package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of --help and the README's generated tables")

// TestHelpGolden checks the --help of every command against its golden
// file in testdata/help; go test -update rewrites them.
func TestHelpGolden(t *testing.T) {
	for _, c := range commands {
		t.Run(string(c.name), func(t *testing.T) {
			args := []string{"--help"}
			if c.name != cmdWait {
				args = []string{string(c.name), "--help"}
			}
			r := runCLI(t, nil, "", args...)
			if r.code != exitSuccess || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
			}
			golden := filepath.Join("testdata", "help", string(c.name)+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if r.stdout != string(want) {
				t.Errorf("%s --help differs from %s (go test -update rewrites it):\n%s", c.name, golden, lineDiff(string(want), r.stdout))
			}
			if got := runCLI(t, nil, "", "help", string(c.name)); got.stdout != r.stdout {
				t.Errorf("anchor-wait help %s differs from its --help", c.name)
			}
		})
	}
}

// lineDiff shows the first line where got differs from want.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want " + strconv.Quote(wl) + "\n  got  " + strconv.Quote(gl)
		}
	}
	return "(no line differs)"
}

// flagSpellingInHelp matches the flags a line of a Flags section names:
// "  --timeout DURATION ...", "  -h, --help ...".
var flagSpellingInHelp = regexp.MustCompile(`^  (?:-([a-z]), )?--([a-z][a-z0-9-]*)`)

// helpFlagSection returns the lines of the Flags section of help.
func helpFlagSection(t *testing.T, help string) []string {
	t.Helper()
	lines := strings.Split(help, "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "Flags") })
	if start < 0 {
		t.Fatalf("help has no Flags section:\n%s", help)
	}
	var section []string
	for _, l := range lines[start+1:] {
		if l == "" {
			break
		}
		section = append(section, l)
	}
	return section
}

// TestHelpFlagsAreTheFlagTable: the Flags section of each command's help
// lists exactly the flags the table gives it, in the table's order; every
// flag any help names is in the table; and the command's flag set takes
// exactly those flags.
func TestHelpFlagsAreTheFlagTable(t *testing.T) {
	declared := map[string]bool{}
	for _, f := range flagTable {
		declared[f.name] = true
	}
	anyFlag := regexp.MustCompile(`(?:^|[^-\w])--([a-z][a-z0-9-]*)`)
	for _, c := range commands {
		t.Run(string(c.name), func(t *testing.T) {
			help := helpText(c.name)
			var listed []string
			for _, l := range helpFlagSection(t, help) {
				if m := flagSpellingInHelp.FindStringSubmatch(l); m != nil {
					listed = append(listed, m[2])
					if f := flagsOf(c.name)[len(listed)-1]; m[1] != f.short {
						t.Errorf("--%s is listed with short form %q, the table says %q", m[2], m[1], f.short)
					}
				}
			}
			var want []string
			for _, f := range flagsOf(c.name) {
				want = append(want, f.name)
			}
			if !slices.Equal(listed, want) {
				t.Errorf("the Flags section lists %v, the flag table %v", listed, want)
			}
			for _, m := range anyFlag.FindAllStringSubmatch(help, -1) {
				if !declared[m[1]] {
					t.Errorf("the help names --%s, which is in no command's flags", m[1])
				}
			}
			// The flag set is the table's: each flag of the command parses
			// (with a value it takes), every other one is unknown.
			for _, f := range flagTable {
				entry := slices.IndexFunc(flagsOf(c.name), func(g flagDef) bool { return g.name == f.name })
				arg := "--" + f.name
				if entry >= 0 {
					if g := flagsOf(c.name)[entry]; g.arg != "" {
						arg += "=" + sampleValue(g)
					}
				}
				_, err := c.parse([]string{arg})
				unknown := err != nil && strings.Contains(err.Error(), "unknown flag")
				if unknown != (entry < 0) {
					t.Errorf("%s %s: error %v; want an unknown flag exactly when the table gives the command no --%s", c.name, arg, err, f.name)
				}
			}
		})
	}
}

// sampleValue is a value --name=value takes.
func sampleValue(f flagDef) string {
	switch {
	case f.def != "":
		return f.def
	case f.name == "version":
		return "latest"
	case f.name == "input":
		return "ANCHOR_X=1"
	case f.name == "rate":
		return "5"
	}
	return "x"
}

// TestFlagTableWellFormed: names are unique within a command, defaults
// parse, and every flag has a usage text and a command.
func TestFlagTableWellFormed(t *testing.T) {
	defaultTargets() // panics on a default its parser refuses
	for _, c := range commands {
		seen := map[string]bool{}
		for _, f := range flagsOf(c.name) {
			for _, n := range []string{f.name, f.short} {
				if n != "" && seen[n] {
					t.Errorf("%s: flag %s is defined twice", c.name, n)
				}
				seen[n] = true
			}
		}
	}
	for _, f := range flagTable {
		if f.usage == "" || len(f.cmds) == 0 || f.bind == nil {
			t.Errorf("--%s lacks a usage, a command or a binding", f.name)
		}
	}
}

// TestREADMETables: the README's exit code and flag tables are the ones
// generated from the tables; go test -update rewrites them.
func TestREADMETables(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, tt := range []struct {
		heading, header, table string
	}{
		{"## Exit codes", "| code |", exitCodesMarkdown()},
		{"## Commands and flags", "| flag |", flagsMarkdown()},
	} {
		start, end, ok := readmeTable(readme, tt.heading, tt.header)
		if !ok {
			t.Errorf("README has no table starting %q under %q", tt.header, tt.heading)
			continue
		}
		if *update {
			readme = readme[:start] + tt.table + readme[end:]
			continue
		}
		if got := readme[start:end]; got != tt.table {
			t.Errorf("README's table under %q is not the generated one (go test -update rewrites it):\n%s", tt.heading, lineDiff(tt.table, got))
		}
	}
	if *update {
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readmeTable finds the table whose first line starts with header, the
// first after heading: its start and end offsets in readme.
func readmeTable(readme, heading, header string) (start, end int, ok bool) {
	h := strings.Index(readme, "\n"+heading+"\n")
	if h < 0 {
		return 0, 0, false
	}
	rel := strings.Index(readme[h:], "\n"+header)
	if rel < 0 {
		return 0, 0, false
	}
	start = h + rel + 1
	end = start
	for end < len(readme) && strings.HasPrefix(readme[end:], "|") {
		nl := strings.IndexByte(readme[end:], '\n')
		if nl < 0 {
			end = len(readme)
			break
		}
		end += nl + 1
	}
	return start, end, true
}
