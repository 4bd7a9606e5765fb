package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

func TestJUnitRoundTrip(t *testing.T) {
	results := sampleResults()
	// A control character and markup in the output must survive as XML.
	results[0].Output = ptr("<b>ok</b> & \x01 done")
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	if err := writeJUnit(&buf, junitReport(newOutput(io.Discard, io.Discard), results, start, 90*time.Second, nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), xml.Header) {
		t.Errorf("report does not start with the XML header:\n%s", buf.String())
	}
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("report does not parse: %v\n%s", err, buf.String())
	}
	if got.Tests != 4 || got.Failures != 1 || got.Errors != 2 || got.Skipped != 0 || got.Time != "90.000" {
		t.Errorf("totals: tests %d failures %d errors %d skipped %d time %s; want 4 1 2 0 90.000", got.Tests, got.Failures, got.Errors, got.Skipped, got.Time)
	}
	if len(got.Suites) != 1 || len(got.Suites[0].Cases) != 4 {
		t.Fatalf("got %d suites, want 1 with 4 cases", len(got.Suites))
	}
	s := got.Suites[0]
	if s.Timestamp != "2026-11-28T12:00:00" || s.Failures != 1 || s.Errors != 2 {
		t.Errorf("suite: timestamp %q failures %d errors %d", s.Timestamp, s.Failures, s.Errors)
	}
	c := s.Cases
	tests := []struct {
		name, time             string
		failure, errType, skip string
	}{
		{idA, "1.234", "", "", ""},
		{idB, "4.000", "failure", "", ""},
		{idC, "0", "", "wait-timeout", ""},
		{exampleID, "0", "", "api-error", ""},
	}
	for i, tt := range tests {
		if c[i].Name != tt.name || c[i].Time != tt.time || c[i].Classname != "anchor-wait.task."+testTask {
			t.Errorf("case %d: name %s time %s class %s; want %s %s", i, c[i].Name, c[i].Time, c[i].Classname, tt.name, tt.time)
		}
		if (c[i].Failure != nil) != (tt.failure != "") || c[i].Failure != nil && c[i].Failure.Type != tt.failure {
			t.Errorf("case %d: failure %+v, want type %q", i, c[i].Failure, tt.failure)
		}
		if (c[i].Error != nil) != (tt.errType != "") || c[i].Error != nil && c[i].Error.Type != tt.errType {
			t.Errorf("case %d: error %+v, want type %q", i, c[i].Error, tt.errType)
		}
	}
	if c[0].SystemOut != `<b>ok</b> & \x01 done` {
		t.Errorf("system-out %q, want the output with the control character escaped", c[0].SystemOut)
	}
	if c[1].Failure.Text != "selector #pay\nnot found" || c[1].Failure.Message != "execution ended failure: selector #pay not found" {
		t.Errorf("failure %+v, want the error message", c[1].Failure)
	}
}

func TestJUnitSkippedForFailFast(t *testing.T) {
	r := sampleResults()[:1]
	r[0].outcome = outcomeStopped
	rep := junitReport(newOutput(io.Discard, io.Discard), r, time.Time{}, 0, nil)
	if rep.Skipped != 1 || rep.Suites[0].Cases[0].Skipped == nil || rep.Suites[0].Timestamp != "" {
		t.Errorf("got %+v, want one skipped case and no timestamp", rep)
	}
}

func TestMillisToSeconds(t *testing.T) {
	for _, tt := range []struct {
		ms   float64
		want string
	}{{123, "0.123"}, {0, "0.000"}, {-86400000, "0.000"}, {math.Inf(1), "0.000"}, {math.NaN(), "0.000"}, {86400000, "86400.000"}, {1e308, "3600000.000"}} { // 1e308: capped at 1000 h, not 306 digits
		if got := millisToSeconds(tt.ms); got != tt.want {
			t.Errorf("millisToSeconds(%v) = %q, want %q", tt.ms, got, tt.want)
		}
	}
}
