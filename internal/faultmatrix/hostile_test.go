package faultmatrix

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestHostileCasesWellFormed checks the hostile table: a case that could
// never fail, or that the harnesses would misread, is a bug in the table.
func TestHostileCasesWellFormed(t *testing.T) {
	names := map[string]bool{}
	for _, c := range HostileCases() {
		if !kebab.MatchString(c.Name) || names[c.Name] {
			t.Errorf("case name %q: want kebab-case, used once", c.Name)
		}
		names[c.Name] = true
		if c.Attack == "" || c.Behaviour == "" || c.Serve == nil {
			t.Errorf("%s: Attack, Behaviour and Serve must be set", c.Name)
		}
		if c.Proxy && !c.Second {
			t.Errorf("%s: a proxy needs the second server", c.Name)
		}
		for _, f := range c.Formats {
			if f != "text" && f != "json" && f != "jsonl" {
				t.Errorf("%s: format %q", c.Name, f)
			}
		}
		for _, m := range Modes {
			r := c.Library
			if m == CLI {
				r = c.CLI
			}
			where := c.Name + " (" + m.String() + ")"
			switch {
			case r.MaxRequests < 1 || r.MinRequests > r.MaxRequests:
				t.Errorf("%s: request bound %d..%d", where, r.MinRequests, r.MaxRequests)
			case r.MaxTime <= 0:
				t.Errorf("%s: no time bound", where)
			case r.Timeout == 0 && !r.Interrupt:
				t.Errorf("%s: neither a deadline nor an interrupt ends it", where)
			case m == CLI && (r.Err != NoError || r.LastErr != NoError || r.Check != nil || r.RequestTimeout != 0):
				t.Errorf("%s: CLI runs are judged by exit code and output", where)
			case m == Library && (r.Exit != 0 || r.MaxRSS != 0):
				t.Errorf("%s: library runs are judged by error class", where)
			}
		}
	}
	// The attacks the table promises to cover.
	for _, want := range []string{
		"trickled-answer", "no-answer", "headers-no-body", "key-in-error-body", "key-in-rate-limit-headers",
		"key-in-status-line", "unsolicited-key", "unsolicited-commands", "hostile-output", "hostile-error-message",
		"case-variant-data", "case-variant-status", "huge-header", "huge-body-over-cap", "huge-body-under-cap",
		"bad-chunked", "redirect-other-host", "https-to-plain-http", "uppercase-localhost-proxy",
		"interrupted-start", "html-garbage",
	} {
		if !names[want] {
			t.Errorf("no hostile case %q", want)
		}
	}
}

// TestHostileKeyLeaks: the key is found in every escaped form, and in
// part.
func TestHostileKeyLeaks(t *testing.T) {
	j, _ := json.Marshal(HostileKey)
	for _, text := range []string{
		"x " + HostileKey + " y",
		string(j),
		"k=" + url.QueryEscape(HostileKey),
		"/" + url.PathEscape(HostileKey),
		`"` + strings.ReplaceAll(HostileKey, `"`, `\"`) + `"`,
		"start " + HostileKey[3:15] + " end",
	} {
		if len(HostileKeyLeaks(text)) == 0 {
			t.Errorf("no leak found in %q", text)
		}
	}
	if got := HostileKeyLeaks("sk-hostile-[REDACTED] nothing"); len(got) != 0 {
		t.Errorf("leaks %q found in a text without the key", got)
	}
	if len(HostileKeyForms()) < 5 {
		t.Errorf("forms %q: want the key's escaped forms, each different", HostileKeyForms())
	}
}

// TestCheckHostileText: the oracle finds what it is for, and passes what
// anchor-wait writes.
func TestCheckHostileText(t *testing.T) {
	for _, bad := range []string{
		"| x | ##[add-mask]success |\n",
		"::add-mask::success\n",
		"  ::stop-commands::tok\n",
		"ok ::error title=x::y\n",
		"a \x1b]0;t\x07 b\n",
		"a \u009b31m\n",
		"KO \u202eDESSAP\n",
		"a\u2028::error::x\n",
		"a\rb\n",
		"a \xff b\n",
	} {
		if len(CheckHostileText(bad, false)) == 0 {
			t.Errorf("CheckHostileText(%q) found nothing", bad)
		}
	}
	for _, good := range []string{
		"::error title=Anchor execution x failure::Execution x ended failure: ##\\[stop-commands]tok%0A:\\:add-mask:\\:success\n",
		"anchor-wait: Unsolicited response received on idle HTTP channel starting with \"\\x1b]0;t\"\n",
		"✅ done \uFFFD\n",
	} {
		if p := CheckHostileText(good, false); len(p) != 0 {
			t.Errorf("CheckHostileText(%q) = %q, want nothing", good, p)
		}
	}
	if p := CheckHostileText("a\r\nb\n", true); len(p) != 0 {
		t.Errorf("with cr, \\r\\n: %q", p)
	}
}

// TestDocumentHasHostileCases: the document has a row for every hostile
// case.
func TestDocumentHasHostileCases(t *testing.T) {
	doc := Document(Cases())
	for _, c := range HostileCases() {
		if !bytes.Contains(doc, []byte("| **"+c.Name+"**: ")) {
			t.Errorf("the document has no row for hostile case %s", c.Name)
		}
	}
	if bytes.Contains(doc, []byte(HostileKey)) {
		t.Error("the document shows the hostile key")
	}
}
