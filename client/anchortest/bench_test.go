package anchortest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
)

// recordModes are the ways a server can keep request records, for
// benchmarks to compare.
var recordModes = []struct {
	name string
	opts []Option
}{
	{"records=all", nil},
	{"records=10000", []Option{WithRecordLimit(10_000)}},
	{"records=0", []Option{WithRecordLimit(0)}},
}

// BenchmarkHandlerGetExecution measures the handler alone for the request
// that dominates load: a GET of one execution among 10,000.
func BenchmarkHandlerGetExecution(b *testing.B) {
	for _, mode := range recordModes {
		b.Run(mode.name, func(b *testing.B) {
			s := NewInMemoryServer(mode.opts...)
			defer s.Close()
			var id string
			for range 10_000 {
				id = s.AddExecution(taskA, Succeed(0, 0, "done"))
			}
			h := s.Handler()
			req := httptest.NewRequest(http.MethodGet, execPath(taskA, id), nil)
			req.Header.Set(apiKeyHeader, s.APIKey())
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				w := &discardWriter{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					h.ServeHTTP(w, req)
				}
			})
		})
	}
}

// BenchmarkRecordHeap measures the heap that stays in use per request
// answered, as heap-B/req: the live heap after a collection, less that
// before the first request, over the requests. Each request is parsed
// afresh, as a server reads it off a connection, so a record holds on to
// what a real one would.
func BenchmarkRecordHeap(b *testing.B) {
	for _, mode := range recordModes {
		b.Run(mode.name, func(b *testing.B) {
			s := NewInMemoryServer(mode.opts...)
			defer s.Close()
			target := execPath(taskA, s.AddExecution(taskA, Succeed(0, 0, "done")))
			h := s.Handler()
			w := &discardWriter{h: http.Header{}}
			before := liveHeap()
			b.ResetTimer()
			for range b.N {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.Header.Set(apiKeyHeader, s.APIKey())
				clear(w.h)
				h.ServeHTTP(w, req)
			}
			b.StopTimer()
			grew := float64(liveHeap()) - float64(before)
			b.ReportMetric(grew/float64(b.N), "heap-B/req")
			if got := s.Stats().Requests; got != b.N {
				b.Fatalf("%d requests counted, want %d", got, b.N)
			}
		})
	}
}

// liveHeap returns the bytes of heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
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
