package anchortest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

func TestRecorderLimit(t *testing.T) {
	tests := []struct {
		limit, ended int
		wantFirst    int64 // the Seq of the oldest record kept; none kept when above ended
	}{
		{limit: -1, ended: 10, wantFirst: 1},
		{limit: -1, ended: 2*chunkSize + 5, wantFirst: 1},
		{limit: 0, ended: 10, wantFirst: 11},
		{limit: 3, ended: 2, wantFirst: 1},
		{limit: 3, ended: 3, wantFirst: 1},
		{limit: 3, ended: 10, wantFirst: 8},
		{limit: chunkSize, ended: 3 * chunkSize, wantFirst: 2*chunkSize + 1},
		// A ring over two blocks, the second one shorter, gone round twice.
		{limit: chunkSize + 100, ended: 2*chunkSize + 300, wantFirst: chunkSize + 201},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("limit %d after %d", tt.limit, tt.ended), func(t *testing.T) {
			r := recorder{limit: tt.limit}
			for range tt.ended {
				seq := r.begin()
				r.end(&Request{Seq: seq, Path: fmt.Sprint(seq)})
			}
			got := r.requests(nil)
			var want []int64
			for seq := tt.wantFirst; seq <= int64(tt.ended); seq++ {
				want = append(want, seq)
			}
			if !slices.Equal(seqs(got), want) {
				t.Errorf("kept Seqs %s, want %s", span(seqs(got)), span(want))
			}
			for _, rec := range got {
				if rec.Path != fmt.Sprint(rec.Seq) {
					t.Fatalf("record %d holds path %q, another request's", rec.Seq, rec.Path)
				}
			}
			if st := r.stats(); st.Requests != tt.ended || st.InFlight != 0 {
				t.Errorf("stats %+v, want %d requests, none in flight", st, tt.ended)
			}
		})
	}
}

// TestRecorderLimitKeepsLastToEnd: with a limit, the records kept are those
// of the requests that ended last, returned in order of arrival.
func TestRecorderLimitKeepsLastToEnd(t *testing.T) {
	r := recorder{limit: 2}
	for range 4 {
		r.begin()
	}
	for _, seq := range []int64{2, 4, 1, 3} { // the order they end in
		r.end(&Request{Seq: seq})
	}
	if got, want := seqs(r.requests(nil)), []int64{1, 3}; !slices.Equal(got, want) {
		t.Errorf("kept Seqs %v, want %v", got, want)
	}
}

func seqs(recs []Request) []int64 {
	out := []int64{}
	for _, r := range recs {
		out = append(out, r.Seq)
	}
	return out
}

// span shows a list of Seqs briefly.
func span(s []int64) string {
	if len(s) <= 4 {
		return fmt.Sprint(s)
	}
	return fmt.Sprintf("[%d %d ... %d] (%d)", s[0], s[1], s[len(s)-1], len(s))
}

// TestWithRecordLimit drives a server through every kind of request under
// each limit: the records follow the limit, while the counters and
// RequestCountFor stay exact.
func TestWithRecordLimit(t *testing.T) {
	tests := []struct {
		name     string
		opts     []Option
		wantKept int // of the 8 requests the scenario sends
	}{
		{"default keeps all", nil, 8},
		{"negative keeps all", []Option{WithRecordLimit(-1)}, 8},
		{"zero keeps none", []Option{WithRecordLimit(0)}, 0},
		{"three keeps the last three", []Option{WithRecordLimit(3)}, 3},
		{"over the count keeps all", []Option{WithRecordLimit(100)}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := NewInMemoryServer(tt.opts...)
				defer s.Close()
				a := s.AddExecution(taskA, Script{Faults: []Fault{{ToRequest: 1, Status: http.StatusTooManyRequests}}})
				b := s.AddExecution(taskB, Script{})
				ctx := context.Background()
				get(t, s, execPath(taskA, a))                                     // 429 from a's script
				get(t, s, execPath(taskA, a))                                     // 200
				do(t, ctx, s, http.MethodGet, execPath(taskA, a), "sk-wrong", "") // 401
				get(t, s, execPath(taskB, a))                                     // 404: a is not task B's
				get(t, s, execPath(taskB, b))                                     // 200
				get(t, s, execPath(taskA, execX))                                 // 404: unknown
				run := do(t, ctx, s, http.MethodPost, "/v1/task/run", s.APIKey(), `{"taskId":"`+taskB+`","async":true}`)
				started := decodeData[client.RunTaskResult](t, run).ExecutionResultID
				get(t, s, "/nowhere") // 404: no route
				const sent = 8

				recs := s.Requests()
				var want []int64
				for seq := int64(sent - tt.wantKept + 1); seq <= sent; seq++ {
					want = append(want, seq)
				}
				if got := seqs(recs); !slices.Equal(got, want) {
					t.Errorf("Requests() Seqs %v, want %v", got, want)
				}
				st := s.Stats()
				if st.Requests != sent || st.Faults != 1 || st.MaxInFlight != 1 || st.ConnectionsOpened != 1 || st.InFlight != 0 {
					t.Errorf("Stats() = %+v; want %d requests, 1 fault, at most 1 in flight, 1 connection", st, sent)
				}
				if got := s.RequestCountFor(execX); got != 0 {
					t.Errorf("RequestCountFor(unknown execution) = %d, want 0", got)
				}
				counts := map[string]int{a: 4, b: 1, started: 1}
				for id, want := range counts {
					if got := s.RequestCountFor(id); got != want {
						t.Errorf("RequestCountFor(%s) = %d, want %d", id, got, want)
					}
					if tt.wantKept == sent {
						if got := len(s.RequestsFor(id)); got != want {
							t.Errorf("len(RequestsFor(%s)) = %d with every record kept, want %d as counted", id, got, want)
						}
					}
				}
			})
		})
	}
}

// TestRequestCountForConcurrent: counts stay exact under concurrent
// requests with no records kept.
func TestRequestCountForConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers, each = 8, 25
		s := NewInMemoryServer(WithRecordLimit(0), WithLatency(time.Second))
		defer s.Close()
		c := s.Client()
		id := s.AddExecution(taskA, Script{})
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range each {
					if _, err := c.GetExecution(context.Background(), taskA, id); err != nil {
						t.Errorf("GetExecution: %v", err)
					}
				}
			})
		}
		wg.Wait()
		if got := s.RequestCountFor(id); got != workers*each {
			t.Errorf("RequestCountFor = %d, want %d", got, workers*each)
		}
		if st := s.Stats(); st.Requests != workers*each || st.MaxInFlight != workers {
			t.Errorf("Stats() = %+v, want %d requests, %d at most in flight", st, workers*each, workers)
		}
		if n := len(s.Requests()); n != 0 {
			t.Errorf("%d records kept, want none", n)
		}
	})
}

func TestAPIKeyHeaderKeyIsCanonical(t *testing.T) {
	if got := http.CanonicalHeaderKey(apiKeyHeader); got != apiKeyHeaderKey {
		t.Errorf("canonical form of %q is %q, want apiKeyHeaderKey %q", apiKeyHeader, got, apiKeyHeaderKey)
	}
}
