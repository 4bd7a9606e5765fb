package webhook

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const execID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"

func mustParse(t *testing.T, body string) Event {
	t.Helper()
	ev, err := ParseEvent([]byte(body))
	if err != nil {
		t.Fatalf("ParseEvent(%q): %v", body, err)
	}
	return ev
}

func TestParseEventEnvelope(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		wantID      string
		wantType    string
		wantCreated time.Time
		wantData    string
	}{
		{"full", testBody, "evt_0001", "task.completed", time.Date(2025, 6, 15, 15, 6, 40, 0, time.UTC), `{"execution_id":"3c90c3cc-0d44-4b50-8888-8dd25736052a","artifacts":[]}`},
		{"created as unix seconds", `{"id":"evt_1","created":1750000000}`, "evt_1", "", time.Unix(1750000000, 0), ""},
		{"created with fraction", `{"created":1750000000.5}`, "", "", time.Unix(1750000000, 5e8), ""},
		{"created garbled", `{"created":"yesterday"}`, "", "", time.Time{}, ""},
		{"created absurd", `{"created":1e300}`, "", "", time.Time{}, ""},
		{"fields of other types", `{"id":7,"type":["x"],"created":true,"project_id":null,"text":{},"data":"s"}`, "", "", time.Time{}, `"s"`},
		{"data null kept raw", `{"data":null}`, "", "", time.Time{}, "null"},
		{"escapes undone", `{"id":"evt_\u0031","type":"task.\u0063ompleted"}`, "evt_1", "task.completed", time.Time{}, ""},
		{"leading white space", " \n{\"id\":\"evt_2\"}", "evt_2", "", time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := mustParse(t, tt.body)
			if ev.ID != tt.wantID || ev.Type != tt.wantType || !ev.Created.Equal(tt.wantCreated) || string(ev.Data) != tt.wantData {
				t.Errorf("got %q %q %v %s, want %q %q %v %s", ev.ID, ev.Type, ev.Created, ev.Data, tt.wantID, tt.wantType, tt.wantCreated, tt.wantData)
			}
			if string(ev.Raw) != tt.body {
				t.Errorf("Raw %q, want the body", ev.Raw)
			}
		})
	}
	for _, bad := range []string{"", "  ", "[]", "null", `"s"`, "{", `{"a":1}x`, `{"a":1}{"b":2}`, "\xff{}"} {
		if _, err := ParseEvent([]byte(bad)); err == nil {
			t.Errorf("ParseEvent(%q): no error, want not a JSON object", bad)
		}
	}
}

func TestEventMentions(t *testing.T) {
	ev := mustParse(t, `{"id":"evt_9","data":{
		"url":"https:\/\/app.anchorbrowser.io\/executions\/3C90C3CC-0D44-4B50-8888-8DD25736052A?tab=logs",
		"exec_7f0c2a1e-1111-4222-8333-944444444444":true,
		"n":123456789012,
		"nested":[{"deep":["run-\u0041bc123XYZ"]}]}}`)
	tests := []struct {
		id   string
		want bool
	}{
		{execID, true},                                 // in a URL, with escaped slashes, in upper case
		{strings.ToUpper(execID), true},                // any case
		{"7f0c2a1e-1111-4222-8333-944444444444", true}, // in a key, glued to a prefix
		{"abc123xyz", true},                            // after an escape, deep in arrays
		{"executions", true},                           // any substring of a string counts
		{"123456789012", false},                        // numbers are not strings
		{"3c90c3cc-0d44-4b50-8888-8dd25736052b", false},
		{"", false},
		{`https://app`, true}, // unescaped
		{`https:\/\/app`, false},
	}
	for _, tt := range tests {
		if got := ev.Mentions(tt.id); got != tt.want {
			t.Errorf("Mentions(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
	if (Event{}).Mentions(execID) {
		t.Error("zero Event mentions an ID")
	}
}

func TestEventTokens(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"URL and field", `{"execution_id":"` + execID + `","session_dashboard_url":"https://app.anchorbrowser.io/sessions/` + strings.ToUpper(execID) + `"}`,
			[]string{"execution_id", execID, "session_dashboard_url", "anchorbrowser", "sessions"}},
		{"short runs left out", `{"a":"1234567 abcdefgh a_b-c_d-"}`, []string{"abcdefgh", "a_b-c_d-"}},
		{"keys count, numbers do not", `{"run_0123456789":12345678901234}`, []string{"run_0123456789"}},
		{"escapes undone", `{"x":"\u0041BCDEFGH\u00e9IJKLMNOP"}`, []string{"abcdefgh", "ijklmnop"}},
		{"glued prefix stays one token", `{"x":"exec_` + execID + `"}`, []string{"exec_" + execID}},
		{"non-ASCII letters split runs", `{"x":"ééééééééé \u212a12345678"}`, []string{"12345678"}},
		{"none", `{"id":"evt_1"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, tt.body).Tokens()
			if !slices.Equal(got, tt.want) {
				t.Errorf("Tokens = %q, want %q", got, tt.want)
			}
		})
	}
	ev := mustParse(t, `{"a":"`+execID+`","b":"`+execID+`"}`)
	got := ev.Tokens()
	if !slices.Equal(got, []string{execID}) {
		t.Fatalf("Tokens = %q, want the ID once", got)
	}
	got[0] = "changed"
	if ev.Tokens()[0] != execID {
		t.Error("changing the returned slice changed the event")
	}
	if (Event{}).Tokens() != nil {
		t.Error("zero Event has tokens")
	}
}

// Every token is mentioned, and an ID found by Tokens is found by
// Mentions: the fast path never sees what the slow one would not.
func TestEventTokensAreMentioned(t *testing.T) {
	body, _ := json.Marshal(map[string]any{
		"data": map[string]any{"execution_id": execID, "nested": []any{"x/" + execID + "/y", map[string]any{"K-Ey_12345678": "v"}}},
	})
	ev := mustParse(t, string(body))
	for _, tok := range ev.Tokens() {
		if !ev.Mentions(tok) {
			t.Errorf("token %q is not mentioned", tok)
		}
	}
}

func TestEventConcurrentUse(t *testing.T) {
	ev := mustParse(t, testBody)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if !ev.Mentions(execID) || !slices.Contains(ev.Tokens(), execID) {
					t.Error("ID not found")
					return
				}
			}
		})
	}
	wg.Wait()
}
