package main

import (
	"cmp"
	"encoding/json"
	"encoding/xml"
	"html"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/anchorwait/anchorwait/internal/safetext"
)

// redacted replaces a secret in anything anchor-wait writes.
const redacted = "[REDACTED]"

// redactor blanks out secrets (the API key) in text before it is written:
// a last line of defence, since nothing is meant to print the key in the
// first place. It knows each secret as given and in the escaped forms
// anchor-wait may print it in (quoted, JSON-encoded, with control
// characters blanked or escaped, as XML, HTML, a Markdown table and a
// GitHub workflow command escape it). Text
// must go through it whole, before any cut: a cut secret is no longer
// recognized. The output layer is its only user. It is safe for concurrent
// use.
type redactor struct {
	mu       sync.Mutex
	secrets  []string
	replacer *strings.Replacer // nil until a secret is added
}

// add makes r blank out s, whatever its length, from now on. The empty
// string is ignored.
func (r *redactor) add(s string) {
	if s == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, form := range secretForms(s) {
		if !slices.Contains(r.secrets, form) {
			r.secrets = append(r.secrets, form)
		}
	}
	// Longest first: where two secrets match at the same place, the longer
	// one is blanked whole. The replacer works in one pass, so the
	// replacement text is never searched for a secret in turn.
	slices.SortStableFunc(r.secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	pairs := make([]string, 0, 2*len(r.secrets))
	for _, s := range r.secrets {
		pairs = append(pairs, s, redacted)
	}
	r.replacer = strings.NewReplacer(pairs...)
}

// secretForms returns s and the forms it takes once anchor-wait has
// escaped it for printing, each once, none empty.
func secretForms(s string) []string {
	var forms []string
	for _, base := range []string{s, oneLine(s), safetext.Line(s)} {
		quoted := strconv.Quote(base)
		forms = append(forms, base, quoted[1:len(quoted)-1], jsonInner(base, true), jsonInner(base, false),
			safeJSONInner(base), xmlText(base), html.EscapeString(base),
			safetext.CommandData(base), safetext.CommandProperty(base), strings.ReplaceAll(base, "|", `\|`))
	}
	out := make([]string, 0, len(forms))
	for _, f := range forms {
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// jsonInner is s as a JSON string, without the quotes; escapeHTML as
// encoding/json's default.
func jsonInner(s string, escapeHTML bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		return ""
	}
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

// safeJSONInner is s as a JSON string that the output layer's JSON seam
// has made safe, without the quotes.
func safeJSONInner(s string) string {
	b := safetext.JSON([]byte(`"` + jsonInner(s, true) + `"`))
	return string(b[1 : len(b)-1])
}

// xmlText is s as encoding/xml writes it in text and attributes.
func xmlText(s string) string {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return ""
	}
	return b.String()
}

// redact returns s with every secret replaced.
func (r *redactor) redact(s string) string {
	r.mu.Lock()
	rep := r.replacer
	r.mu.Unlock()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}
