package main

import (
	"testing"
	"time"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/client/anchortest"
)

func TestTemplate(t *testing.T) {
	type step struct {
		at     time.Duration
		status client.Status
		output string
		errMsg string
	}
	tests := []struct {
		name            string
		status          client.Status
		queued, running time.Duration
		output, errMsg  string
		want            []step
	}{
		{"success", client.StatusSuccess, time.Second, 3 * time.Second, "out", "ignored", []step{
			{0, client.StatusQueued, "", ""}, {time.Second, client.StatusRunning, "", ""}, {4 * time.Second, client.StatusSuccess, "out", ""}}},
		{"failure with message", client.StatusFailure, 0, time.Second, "ignored", "boom", []step{
			{0, client.StatusQueued, "", ""}, {0, client.StatusRunning, "", ""}, {time.Second, client.StatusFailure, "", "boom"}}},
		{"cancelled while queued", client.StatusCancelled, 2 * time.Second, 0, "", "", []step{
			{0, client.StatusQueued, "", ""}, {2 * time.Second, client.StatusCancelled, "", "Task was cancelled"}}},
		{"running forever", client.StatusRunning, time.Second, time.Hour, "", "", []step{
			{0, client.StatusQueued, "", ""}, {time.Second, client.StatusRunning, "", ""}}},
		{"queued forever", client.StatusQueued, time.Second, time.Hour, "", "", []step{
			{0, client.StatusQueued, "", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := template(tt.status, tt.queued, tt.running, tt.output, tt.errMsg).Steps
			if len(got) != len(tt.want) {
				t.Fatalf("%d steps %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.At != w.at || g.Status != w.status || deref(g.Output) != w.output || deref(g.ErrorMessage) != w.errMsg {
					t.Errorf("step %d: {%v %s %q %q}, want {%v %s %q %q}", i, g.At, g.Status, deref(g.Output), deref(g.ErrorMessage), w.at, w.status, w.output, w.errMsg)
				}
			}
		})
	}
}

func TestParseArgsDefaults(t *testing.T) {
	cfg, err := parseArgs(nil, func(k string) string {
		if k == client.EnvAPIKey {
			return "k"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.addr != "127.0.0.1:8080" || cfg.apiKey != "k" || cfg.verbose || cfg.seed != nil || cfg.template.VisibleAfter != 0 {
		t.Errorf("defaults %+v; want 127.0.0.1:8080, the env key, quiet, no seed, visible at once", cfg)
	}
	def := anchortest.DefaultTemplate()
	if len(cfg.template.Steps) != len(def.Steps) {
		t.Fatalf("default template %+v, want anchortest.DefaultTemplate() %+v", cfg.template, def)
	}
	for i := range def.Steps {
		g, w := cfg.template.Steps[i], def.Steps[i]
		if g.At != w.At || g.Status != w.Status || deref(g.Output) != deref(w.Output) {
			t.Errorf("default template step %d %+v, want %+v", i, g, w)
		}
	}
	cfg, err = parseArgs([]string{"--api-key", "k", "--seed", "0", "--visible-after", "2s"}, func(string) string { return "" })
	if err != nil || cfg.seed == nil || *cfg.seed != 0 || cfg.template.VisibleAfter != 2*time.Second {
		t.Errorf("--seed 0 --visible-after 2s: %+v, %v; want seed 0 set, visible after 2s", cfg, err)
	}
}
