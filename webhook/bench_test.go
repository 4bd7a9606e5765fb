package webhook

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// eventBody is an event about one execution, of about the size Anchor's
// documented fields make.
func eventBody(id string) string {
	return `{"id":"evt_` + strings.ReplaceAll(uuid.NewString(), "-", "") + `","type":"task.failed","created":"2026-01-02T03:04:05.678Z",` +
		`"project_id":"` + uuid.NewString() + `","text":"Task execution failed: the page did not load","data":{"task_id":"` + uuid.NewString() +
		`","execution_id":"` + id + `","status":"failure","error":{"type":"automation_failure","message":"Timeout 30000ms exceeded waiting for selector #checkout"},` +
		`"artifacts":[],"recording_url":"https://cdn.anchorbrowser.io/recordings/` + id + `.mp4","session_dashboard_url":"https://app.anchorbrowser.io/sessions/` + id + `"}}`
}

// Finding which of 10,000 waits an event concerns: with Tokens, a few map
// lookups; with Mentions, one substring search per wait.
func BenchmarkMatch10000Waits(b *testing.B) {
	const waits = 10_000
	index := make(map[string]int, waits)
	ids := make([]string, waits)
	for i := range ids {
		ids[i] = uuid.NewString()
		index[ids[i]] = i
	}
	target := ids[waits-1] // the worst case for a scan
	ev, err := ParseEvent([]byte(eventBody(target)))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Tokens", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			found := 0
			for _, tok := range ev.Tokens() {
				if _, ok := index[tok]; ok {
					found++
				}
			}
			if found != 1 {
				b.Fatalf("found %d, want 1", found)
			}
		}
	})
	b.Run("Mentions", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			found := 0
			for _, id := range ids {
				if ev.Mentions(id) {
					found++
				}
			}
			if found != 1 {
				b.Fatalf("found %d, want 1", found)
			}
		}
	})
}

// One delivery, verified, parsed and passed on: the Receiver's own cost.
func BenchmarkReceiverDelivery(b *testing.B) {
	now := time.Unix(1_750_000_000, 0)
	rv, err := NewReceiver(testSecret, func(Event) {}, WithClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	body := eventBody(uuid.NewString())
	h := signed(testSecret, now, body)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header = h
		w := httptest.NewRecorder()
		rv.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("answer %d %q", w.Code, w.Body.String())
		}
	}
}

// The memory a full dedupe set holds: DefaultDedupeMax IDs shaped like
// Anchor's, and the most it ever holds however many more arrive.
func BenchmarkDedupeFull(b *testing.B) {
	ids := make([]string, 2*DefaultDedupeMax)
	for i := range ids {
		ids[i] = fmt.Sprintf("id:evt_%024x", i)
	}
	now := time.Unix(1_750_000_000, 0)
	var perID float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := newSeenSet(DefaultDedupeTTL, DefaultDedupeMax)
		for _, id := range ids {
			s.add(id, now)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if s.len() != DefaultDedupeMax {
			b.Fatalf("%d IDs kept, want %d", s.len(), DefaultDedupeMax)
		}
		perID = float64(after.HeapAlloc-before.HeapAlloc) / DefaultDedupeMax
		runtime.KeepAlive(s)
	}
	b.ReportMetric(perID, "B/id")
	b.ReportMetric(perID*DefaultDedupeMax/(1<<20), "MiB-full")
}
