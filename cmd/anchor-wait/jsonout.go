package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// writeJSON writes the --output json document to w,
//
//	{"results":[…],"exitCode":N,"error":"…"}
//
// indented, with "error" only when the task could not be started (sf).
// It is written a result at a time, each through o's JSON seam, so the
// document is never held whole in memory besides the results themselves.
func writeJSON(o *output, w io.Writer, results []result, code int, sf *startFailure) error {
	if len(results) == 0 {
		if _, err := io.WriteString(w, "{\n  \"results\": [],\n"); err != nil {
			return err
		}
	} else if _, err := io.WriteString(w, "{\n  \"results\": [\n"); err != nil {
		return err
	}
	for i := range results {
		b, err := json.MarshalIndent(&results[i], "    ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n"
		if i == len(results)-1 {
			sep = "\n  ],\n"
		}
		piece := append(append([]byte("    "), o.json(b)...), sep...)
		if _, err := w.Write(piece); err != nil {
			return err
		}
	}
	tail := fmt.Sprintf("  \"exitCode\": %d", code)
	if sf != nil {
		b, err := json.Marshal(sf.message)
		if err != nil {
			return err
		}
		tail += ",\n  \"error\": " + string(o.json(b))
	}
	_, err := io.WriteString(w, tail+"\n}\n")
	return err
}

// jsonlStream writes one JSON line per execution as each finishes, each
// execution once, through the output layer's JSON seam. It is safe for
// concurrent use.
type jsonlStream struct {
	out     *output
	mu      sync.Mutex
	w       io.Writer
	written map[string]bool
	err     error
}

func newJSONLStream(o *output, w io.Writer) *jsonlStream {
	return &jsonlStream{out: o, w: w, written: map[string]bool{}}
}

// emit writes r unless its execution was written already.
func (s *jsonlStream) emit(r result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written[r.ExecutionID] || s.err != nil {
		return
	}
	s.written[r.ExecutionID] = true
	b, err := json.Marshal(&r)
	if err == nil {
		_, err = s.w.Write(append(s.out.json(b), '\n'))
	}
	s.err = err
}

// finish writes the results not written yet, in order, and returns the
// first write error.
func (s *jsonlStream) finish(results []result) error {
	for _, r := range results {
		s.emit(r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
