package safetext

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"status":"success"}`, `{"status":"success"}`},
		{`{"output":"::error::x"}`, `{"output":":\u003aerror:\u003ax"}`},
		{`{"output":"##[add-mask]success"}`, `{"output":"##\u005badd-mask]success"}`},
		{`["\u0023#[x]"]`, `["\u0023#[x]"]`}, // the text holds no "##["
		{"[\"\u009b\u202e\u2028\"]", `["\u009b\u202e\u2028"]`},
		{"[\"\U000e0041\"]", `["\udb40\udc41"]`},
		{"[\"a\xffb\"]", `["a\ufffdb"]`},
		{"[\"a\x7fb\"]", `["a\u007fb"]`},
		{"[\"\u26a0\ufe0f\"]", "[\"\u26a0\ufe0f\"]"},
		{"{\"a\":\r\n1}", "{\"a\": \n1}"},
		{"{\"a\":1}\n{\"b\":\"::\"}\n", "{\"a\":1}\n{\"b\":\":\\u003a\"}\n"},
		{`{"a":"\\::"}`, `{"a":"\\:\u003a"}`},
		{"not JSON ::x\x1b", `not JSON :\:x\x1b`},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := string(JSON([]byte(tt.in)))
			if got != tt.want {
				t.Errorf("JSON(%q): got %q, want %q", tt.in, got, tt.want)
			}
			checkJSON(t, []byte(tt.in), []byte(got))
		})
	}
}

// TestJSONOfMarshal runs every attack through json.Marshal, as the CLI
// writes its results, and JSON.
func TestJSONOfMarshal(t *testing.T) {
	for _, tt := range attacks {
		t.Run(tt.name, func(t *testing.T) {
			in, err := json.Marshal(map[string]any{"output": tt.in, "n": 1})
			if err != nil {
				t.Fatal(err)
			}
			checkJSON(t, in, JSON(in))
		})
	}
}

// checkJSON fails t unless out, made by JSON of in, is safe to print line
// by line and, when in is JSON, decodes to the same values.
func checkJSON(t *testing.T, in, out []byte) {
	t.Helper()
	if bytes.ContainsRune(out, '\r') {
		t.Errorf("JSON(%q) = %q holds a carriage return", in, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		checkLine(t, line)
	}
	want, err := decodeAll(in)
	if err != nil {
		if got := string(out); got != Lines(string(in)) {
			t.Errorf("JSON of non-JSON %q: got %q, want Lines of it, %q", in, got, Lines(string(in)))
		}
		return
	}
	got, err := decodeAll(out)
	if err != nil {
		t.Fatalf("JSON(%q) = %q does not decode: %v", in, out, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON(%q) = %q decodes to %#v, want %#v", in, out, got, want)
	}
}

// decodeAll decodes a sequence of JSON values, numbers as json.Number.
func decodeAll(b []byte) ([]any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("no JSON value")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var all []any
	for {
		var v any
		if err := d.Decode(&v); errors.Is(err, io.EOF) {
			return all, nil
		} else if err != nil {
			return nil, err
		}
		all = append(all, v)
	}
}
