package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"unicode/utf8"
)

// How many characters of an output or error message the text table shows;
// why a wait failed is shown at more length.
const (
	detailWidth      = 60
	errorDetailWidth = 200
)

// writeText writes results as a table: execution ID, status, duration,
// polls and the most telling detail, one row per execution. No results,
// no table.
func writeText(w io.Writer, results []result) error {
	if len(results) == 0 {
		return nil
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EXECUTION\tSTATUS\tDURATION\tPOLLS\tDETAIL")
	for _, r := range results {
		status := string(r.Status)
		if status == "" {
			status = "-"
		}
		width := detailWidth
		if r.Error != nil {
			width = errorDetailWidth
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", r.ExecutionID, oneLine(status), r.duration(), r.Polls, excerpt(r.detail(), width))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// excerpt returns s on one line, cut to n characters with "..." when
// longer.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(oneLine(s)), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-3]) + "..."
}

// document is the --output json document.
type document struct {
	Results  []result `json:"results"`
	ExitCode int      `json:"exitCode"`
}

// writeJSON writes the --output json document.
func writeJSON(w io.Writer, results []result, code int) error {
	if results == nil {
		results = []result{}
	}
	b, err := json.MarshalIndent(document{Results: results, ExitCode: code}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// jsonlStream writes one JSON line per execution as each finishes, each
// execution once. It is safe for concurrent use.
type jsonlStream struct {
	mu      sync.Mutex
	w       io.Writer
	written map[string]bool
	err     error
}

func newJSONLStream(w io.Writer) *jsonlStream {
	return &jsonlStream{w: w, written: map[string]bool{}}
}

// emit writes r unless its execution was written already.
func (s *jsonlStream) emit(r result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written[r.ExecutionID] || s.err != nil {
		return
	}
	s.written[r.ExecutionID] = true
	b, err := json.Marshal(r)
	if err == nil {
		_, err = s.w.Write(append(b, '\n'))
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

// writeResults writes results to w at the end of a run in the text or json
// format (jsonl is streamed as executions finish; see jsonlStream).
func writeResults(w io.Writer, format string, results []result, code int) error {
	switch format {
	case formatJSON:
		return writeJSON(w, results, code)
	case formatText:
		return writeText(w, results)
	}
	return fmt.Errorf("output format %s is not written at the end", strconv.Quote(format))
}
