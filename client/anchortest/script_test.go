package anchortest

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anchorwait/anchorwait/client"
)

// checkpoint is what an execution should report at a moment of its timeline.
type checkpoint struct {
	at       time.Duration
	status   client.Status
	output   string  // "" means null
	errMsg   string  // "" means null
	execTime float64 // -1 means null
}

func TestScriptTimelineOverHTTP(t *testing.T) {
	tests := []struct {
		name   string
		script Script
		want   []checkpoint
	}{
		{"succeed", Succeed(2*time.Second, 40*time.Second, "the output"), []checkpoint{
			{0, client.StatusQueued, "", "", -1},
			{2*time.Second - time.Millisecond, client.StatusQueued, "", "", -1},
			{2 * time.Second, client.StatusRunning, "", "", -1},
			{42*time.Second - time.Nanosecond, client.StatusRunning, "", "", -1},
			{42 * time.Second, client.StatusSuccess, "the output", "", 40000},
			{time.Hour, client.StatusSuccess, "the output", "", 40000},
		}},
		{"fail without queueing", Fail(0, 5*time.Second, "boom"), []checkpoint{
			{0, client.StatusRunning, "", "", -1},
			{5 * time.Second, client.StatusFailure, "", "boom", 5000},
		}},
		{"running flips back to queued", Script{Steps: []Step{
			{At: 0, Status: client.StatusQueued},
			{At: time.Second, Status: client.StatusRunning},
			{At: 2 * time.Second, Status: client.StatusQueued},
			{At: 3 * time.Second, Status: client.StatusRunning},
			{At: 5 * time.Second, Status: client.StatusSuccess},
		}}, []checkpoint{
			{1500 * time.Millisecond, client.StatusRunning, "", "", -1},
			{2500 * time.Millisecond, client.StatusQueued, "", "", -1},
			{3 * time.Second, client.StatusRunning, "", "", -1},
			{5 * time.Second, client.StatusSuccess, "", "", 4000},
		}},
		{"undocumented status", Always(client.Status("paused")), []checkpoint{
			{0, "paused", "", "", -1},
			{24 * time.Hour, "paused", "", "", -1},
		}},
		{"timeout without running", Finish(client.StatusTimeout, time.Minute, 0), []checkpoint{
			{time.Minute - time.Millisecond, client.StatusQueued, "", "", -1},
			{time.Minute, client.StatusTimeout, "", "", 0},
		}},
		{"zero script stays queued", Script{}, []checkpoint{
			{0, client.StatusQueued, "", "", -1},
			{48 * time.Hour, client.StatusQueued, "", "", -1},
		}},
		{"unsorted steps, negative time", Script{Steps: []Step{
			{At: 3 * time.Second, Status: client.StatusCancelled, ErrorMessage: new("stopped")},
			{At: -time.Second, Status: client.StatusRunning},
		}}, []checkpoint{
			{0, client.StatusRunning, "", "", -1},
			{3 * time.Second, client.StatusCancelled, "", "stopped", 3000},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := NewInMemoryServer()
				defer s.Close()
				c := s.Client()
				start := time.Now()
				id := s.AddExecution(taskA, tt.script)
				for _, cp := range tt.want {
					time.Sleep(cp.at - time.Since(start))
					got, err := c.GetExecution(context.Background(), taskA, id)
					if err != nil {
						t.Fatalf("at %v: GetExecution: %v", cp.at, err)
					}
					checkExecution(t, cp, got)
					if !got.StartTime.Equal(start) {
						t.Errorf("at %v: startTime %v, want %v (when it was added)", cp.at, got.StartTime, start)
					}
					if got.ID != id || got.Version != "1" || got.TaskVersionID == "" {
						t.Errorf("at %v: id %q version %q taskVersionId %q; want %q, \"1\", a UUID", cp.at, got.ID, got.Version, got.TaskVersionID, id)
					}
				}
			})
		})
	}
}

func checkExecution(t *testing.T, want checkpoint, got *client.Execution) {
	t.Helper()
	if got.Status != want.status {
		t.Errorf("at %v: status %q, want %q", want.at, got.Status, want.status)
	}
	if s := deref(got.Output); s != want.output {
		t.Errorf("at %v: output %q, want %q", want.at, s, want.output)
	}
	if s := deref(got.ErrorMessage); s != want.errMsg {
		t.Errorf("at %v: errorMessage %q, want %q", want.at, s, want.errMsg)
	}
	gotTime := -1.0
	if got.ExecutionTime != nil {
		gotTime = *got.ExecutionTime
	}
	if gotTime != want.execTime {
		t.Errorf("at %v: executionTime %v, want %v (-1 for null)", want.at, gotTime, want.execTime)
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func TestScriptConstructors(t *testing.T) {
	tests := []struct {
		name string
		got  Script
		want []Step
	}{
		{"Succeed", Succeed(time.Second, 2*time.Second, "o"), []Step{
			{At: 0, Status: client.StatusQueued},
			{At: time.Second, Status: client.StatusRunning},
			{At: 3 * time.Second, Status: client.StatusSuccess, Output: new("o")},
		}},
		{"Fail", Fail(0, time.Second, "e"), []Step{
			{At: 0, Status: client.StatusQueued},
			{At: 0, Status: client.StatusRunning},
			{At: time.Second, Status: client.StatusFailure, ErrorMessage: new("e")},
		}},
		{"Finish without running", Finish(client.StatusCancelled, 5*time.Second, -1), []Step{
			{At: 0, Status: client.StatusQueued},
			{At: 5 * time.Second, Status: client.StatusCancelled},
		}},
		{"Always", Always(client.StatusRunning), []Step{{At: 0, Status: client.StatusRunning}}},
		{"DefaultTemplate", DefaultTemplate(), []Step{
			{At: 0, Status: client.StatusQueued},
			{At: time.Second, Status: client.StatusRunning},
			{At: 4 * time.Second, Status: client.StatusSuccess, Output: new(DefaultOutput)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.got.Steps) != len(tt.want) {
				t.Fatalf("got %d steps %+v, want %d %+v", len(tt.got.Steps), tt.got.Steps, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				g := tt.got.Steps[i]
				if g.At != w.At || g.Status != w.Status || deref(g.Output) != deref(w.Output) || deref(g.ErrorMessage) != deref(w.ErrorMessage) {
					t.Errorf("step %d: got {%v %q %q %q}, want {%v %q %q %q}", i,
						g.At, g.Status, deref(g.Output), deref(g.ErrorMessage), w.At, w.Status, deref(w.Output), deref(w.ErrorMessage))
				}
			}
		})
	}
}

func TestTimelineFirstFinal(t *testing.T) {
	flip := Script{Steps: []Step{
		{At: time.Second, Status: client.StatusSuccess},
		{At: time.Second, Status: client.StatusRunning}, // same time: this one wins
		{At: 4 * time.Second, Status: client.StatusFailure},
	}}
	tests := []struct {
		name   string
		script Script
		from   time.Duration
		want   time.Duration
		wantOK bool
	}{
		{"succeed", Succeed(time.Second, 2*time.Second, ""), 0, 3 * time.Second, true},
		{"already final", Succeed(time.Second, 2*time.Second, ""), 5 * time.Second, 5 * time.Second, true},
		{"never final", Always(client.StatusRunning), 0, 0, false},
		{"zero script", Script{}, 0, 0, false},
		{"overridden final step is skipped", flip, 0, 4 * time.Second, true},
		{"final at zero", Always(client.StatusCancelled), 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := compile(tt.script).firstFinal(tt.from)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("firstFinal(%v) = %v, %v; want %v, %v", tt.from, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCompileCopiesScript(t *testing.T) {
	sc := Succeed(time.Second, time.Second, "before")
	tl := compile(sc)
	sc.Steps[2].Status = client.StatusFailure
	sc.Steps = append(sc.Steps, Step{At: time.Hour, Status: client.StatusQueued})
	if got := tl.steps[tl.at(time.Hour)].Status; got != client.StatusSuccess {
		t.Errorf("after changing the script, compiled status at 1h is %q, want %q", got, client.StatusSuccess)
	}
}
