package main

import (
	"encoding/json"
	"io"
	"sync"
)

// document is the --output json document.
type document struct {
	Results  []result `json:"results"`
	ExitCode int      `json:"exitCode"`
	// Error says why the task could not be started (run); left out when
	// it was.
	Error string `json:"error,omitempty"`
}

// writeJSON writes the --output json document. The API's text in it is
// as the API sent it: the output layer redacts what w writes.
func writeJSON(w io.Writer, results []result, code int, sf *startFailure) error {
	if results == nil {
		results = []result{}
	}
	doc := document{Results: results, ExitCode: code}
	if sf != nil {
		doc.Error = sf.message
	}
	b, err := json.MarshalIndent(doc, "", "  ")
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
