package anchortest

import (
	"net/http"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/webhook"
)

// BenchmarkWebhookFanOut: 10,000 executions ending within a minute, each
// event delivered in memory to a webhook.Receiver, 5 % lost and 5 %
// duplicated. It reports the heap held per pending event (scheduled, not
// yet due) as pending-B/event, and the wall time for the whole fan-out.
func BenchmarkWebhookFanOut(b *testing.B) {
	const n = 10_000
	var perEvent float64
	for b.Loop() {
		bubble(b, func(t *testing.T) {
			rv, err := webhook.NewReceiver(hookSecret, func(webhook.Event) {})
			if err != nil {
				t.Fatal(err)
			}
			w := Webhook{URL: "https://hooks.example.test/", Secret: hookSecret, HTTPClient: &http.Client{Transport: handlerTransport{rv}},
				Lose: FractionOfEvents(0.05, 1), Duplicate: FractionOfEvents(0.05, 2)}
			s := NewInMemoryServer(WithWebhook(w), WithRecordLimit(0))
			defer s.Close()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for i := range n {
				s.AddExecution(taskA, Finish(client.StatusSuccess, time.Duration(i)*6*time.Millisecond, time.Second))
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			perEvent = float64(after.HeapAlloc-before.HeapAlloc) / n
			time.Sleep(2 * time.Minute)
			synctest.Wait()
			if st := rv.Stats(); st.Accepted < n*9/10 || st.Duplicates == 0 {
				t.Fatalf("receiver stats %+v, want about 95 %% of %d accepted and some duplicates", st, n)
			}
		})
	}
	b.ReportMetric(perEvent, "pending-B/event")
}

// bubble runs f in a synctest bubble from a benchmark, through a test of
// its own, as synctest.Test needs a *testing.T. It fails b when f fails.
func bubble(b *testing.B, f func(t *testing.T)) {
	b.Helper()
	ok := testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: b.Name(), F: func(t *testing.T) { synctest.Test(t, f) }}})
	if !ok {
		b.Fatal("the run in the synctest bubble failed")
	}
}
