package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

const (
	idA = "aaaaaaaa-0000-4000-8000-000000000001"
	idB = "bbbbbbbb-0000-4000-8000-000000000002"
	idC = "cccccccc-0000-4000-8000-000000000003"
)

func TestParseIDs(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{"one", idA, []string{idA}, ""},
		{"one with newline", idA + "\n", []string{idA}, ""},
		{"lines", idA + "\n" + idB + "\n" + idC + "\n", []string{idA, idB, idC}, ""},
		{"spaces and tabs", "  " + idA + "\t" + idB + "   " + idC, []string{idA, idB, idC}, ""},
		{"blank lines", "\n\n" + idA + "\n\n   \n" + idB + "\n\n", []string{idA, idB}, ""},
		{"CRLF", idA + "\r\n" + idB + "\r\n", []string{idA, idB}, ""},
		{"duplicates kept once in first order", idB + "\n" + idA + "\n" + idB + " " + idA + "\n" + idC, []string{idB, idA, idC}, ""},
		{"upper case lowered and deduplicated", strings.ToUpper(idA) + "\n" + idA, []string{idA}, ""},
		{"byte order mark", "\uFEFF" + idA + "\r\n" + idB, []string{idA, idB}, ""},
		{"byte order mark alone", "\uFEFF\n", nil, "no execution IDs on stdin"},
		{"byte order mark past the start", idA + "\n\uFEFF" + idB, nil, `stdin line 2: "\ufeff` + idB + `" is not an execution ID`},
		{"long word not shown", idA + " " + longKey, nil, "stdin line 1: <" + strconv.Itoa(len(longKey)) + " characters, not shown> is not an execution ID"},
		{"empty", "", nil, "no execution IDs on stdin"},
		{"only white space", " \n\t\n\n", nil, "no execution IDs on stdin"},
		{"bad word", idA + "\n" + idB + " oops\n", nil, `stdin line 2: "oops" is not an execution ID`},
		{"comma separated", idA + "," + idB, nil, "stdin line 1"},
		{"long line", strings.Repeat("x", 2<<20), nil, "over 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseIDs(strings.NewReader(tt.in))
			if err != nil {
				assertNoSecrets(t, "error", err.Error())
			}
			if tt.wantErr != "" {
				var ue *usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestExecutionIDs(t *testing.T) {
	ctx := context.Background()
	got, err := executionIDs(ctx, []string{idC, "-", idA}, strings.NewReader(idA+"\n"+idB), io.Discard)
	if want := []string{idC, idA, idB}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("args and stdin: got %q, %v; want %q", got, err, want)
	}
	got, err = executionIDs(ctx, []string{idA, strings.ToUpper(idA)}, nil, io.Discard)
	if want := []string{idA}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("duplicate args: got %q, %v; want %q", got, err, want)
	}
}

// TestExecutionIDsNoHintOffTerminal: the hint about reading stdin is for a
// terminal only; from a pipe or file nothing is said (the terminal case is
// in TestE2EStdinTerminalHint).
func TestExecutionIDsNoHintOffTerminal(t *testing.T) {
	var stderr bytes.Buffer
	if _, err := executionIDs(context.Background(), []string{"-"}, strings.NewReader(idA), &stderr); err != nil {
		t.Fatal(err)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr %q, want nothing when stdin is not a terminal", stderr.String())
	}
}

// blockingReader never returns, like a terminal nobody types into.
type blockingReader struct{ unblock chan struct{} }

func (b blockingReader) Read([]byte) (int, error) {
	<-b.unblock
	return 0, io.EOF
}

func TestReadIDsInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := blockingReader{make(chan struct{})}
	defer close(r.unblock) // lets the reading goroutine end
	_, err := readIDs(ctx, r, executionIDSyntax)
	if err == nil || !strings.Contains(err.Error(), "interrupted while reading execution IDs") {
		t.Errorf("got %v, want an interrupted error", err)
	}
}
