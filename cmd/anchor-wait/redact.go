package main

import (
	"io"
	"strings"
	"sync"
)

// minSecretLen is the shortest secret the redactor blanks out: a shorter
// one would garble ordinary text without protecting anything.
const minSecretLen = 4

// redacted replaces a secret in anything anchor-wait writes.
const redacted = "[REDACTED]"

// redactor blanks out secrets (the API key) in text before it is written:
// a last line of defence, since nothing is meant to print the key in the
// first place. It is safe for concurrent use.
type redactor struct {
	mu      sync.Mutex
	secrets []string
}

// add makes r blank out s from now on.
func (r *redactor) add(s string) {
	if len(s) < minSecretLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, s)
}

// redact returns s with every secret replaced.
func (r *redactor) redact(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	return s
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
