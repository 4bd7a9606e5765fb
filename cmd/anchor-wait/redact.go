package main

import (
	"cmp"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// redacted replaces a secret in anything anchor-wait writes.
const redacted = "[REDACTED]"

// redactor blanks out secrets (the API key) in text before it is written:
// a last line of defence, since nothing is meant to print the key in the
// first place. It knows each secret as given and in the escaped forms
// anchor-wait may print it in (quoted, JSON-encoded, with control
// characters blanked, as a GitHub workflow command escapes it). Text must go
// through it whole, before any cut: a cut secret is no longer recognized.
// It is safe for concurrent use.
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
	for _, base := range []string{s, oneLine(s)} {
		quoted := strconv.Quote(base)
		forms = append(forms, base, quoted[1:len(quoted)-1], jsonInner(base, true), jsonInner(base, false), escapeData(base), escapeProperty(base))
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

// writer returns a Writer that redacts each Write before passing it to w.
// Every write of anchor-wait is a whole line or document, so a secret is
// never split across two writes.
func (r *redactor) writer(w io.Writer) io.Writer { return &redactWriter{r: r, w: w} }

type redactWriter struct {
	r *redactor
	w io.Writer
}

func (rw *redactWriter) Write(p []byte) (int, error) {
	s := rw.r.redact(string(p))
	if _, err := io.WriteString(rw.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}
