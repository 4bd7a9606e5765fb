package anchortest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHandlerGetExecution measures the handler alone for the request
// that dominates load: a GET of one execution among 10,000.
func BenchmarkHandlerGetExecution(b *testing.B) {
	s := NewServer()
	defer s.Close()
	var id string
	for range 10_000 {
		id = s.AddExecution(taskA, Succeed(0, 0, "done"))
	}
	h := s.Handler()
	req := httptest.NewRequest(http.MethodGet, execPath(taskA, id), nil)
	req.Header.Set(apiKeyHeader, s.APIKey())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			h.ServeHTTP(w, req)
		}
	})
}

// BenchmarkInMemoryGetExecution measures a whole call through the client
// and the in-memory transport.
func BenchmarkInMemoryGetExecution(b *testing.B) {
	s := NewInMemoryServer()
	defer s.Close()
	c := s.Client()
	id := s.AddExecution(taskA, Succeed(0, 0, "done"))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetExecution(context.Background(), taskA, id); err != nil {
				b.Error(err)
			}
		}
	})
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}
