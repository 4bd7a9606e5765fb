package main

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

func TestRedactor(t *testing.T) {
	r := &redactor{}
	r.add("")    // ignored
	r.add("abc") // too short to blank out safely
	r.add(testKey)
	var buf bytes.Buffer
	w := r.writer(&buf)
	n, err := fmt.Fprintf(w, "key=%s abc %s\n", testKey, testKey)
	if err != nil || n != len("key= abc \n")+2*len(testKey) {
		t.Fatalf("Write returned %d, %v; want the length written by the caller", n, err)
	}
	if got, want := buf.String(), "key=[REDACTED] abc [REDACTED]\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	r.add(wrongKey)
	if got, want := r.redact(wrongKey+testKey), redacted+redacted; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRedactorConcurrent(t *testing.T) {
	r := &redactor{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			r.add(fmt.Sprintf("secret-%d", i))
			_ = r.redact("secret-0 secret-1")
		})
	}
	wg.Wait()
	if got := r.redact("secret-3"); got != redacted {
		t.Errorf("got %q, want %q", got, redacted)
	}
}
