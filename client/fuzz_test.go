package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// member is one name and value of a JSON object, in the order sent.
type member struct {
	name  string
	value any // string, json.Number, bool, nil, []member (object) or []any (array)
}

// parseOrdered parses JSON with encoding/json's tokenizer, which reports
// names exactly as sent, keeping objects as ordered member lists so that
// duplicate names stay visible. It is the oracle the fuzz targets check
// the decoder against.
func parseOrdered(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the document")
	}
	return v, nil
}

func parseValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		obj := []member{}
		for dec.More() {
			name, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := parseValue(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, member{name.(string), v})
		}
		_, err := dec.Token()
		return obj, err
	case json.Delim('['):
		arr := []any{}
		for dec.More() {
			v, err := parseValue(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return tok, nil
}

// only returns the value of the one member called name, exactly, and false
// when there is none or more than one.
func only(v any, name string) (any, bool) {
	obj, ok := v.([]member)
	if !ok {
		return nil, false
	}
	var found any
	n := 0
	for _, m := range obj {
		if m.name == name {
			found, n = m.value, n+1
		}
	}
	return found, n == 1
}

// wantExactString fails the test unless obj has exactly one member called
// name, a string equal to got.
func wantExactString(t *testing.T, body []byte, obj any, name, got string) {
	t.Helper()
	v, ok := only(obj, name)
	s, isStr := v.(string)
	if !ok || !isStr {
		t.Fatalf("decoded %s %q from %q, which has no single string member %q", name, got, body, name)
	}
	if s != got {
		t.Fatalf("decoded %s %q from %q, whose %q is %q", name, got, body, name, s)
	}
}

// addSeeds adds the bodies every decoding fuzz target starts from.
func addSeeds(f *testing.F, add func(body []byte)) {
	for _, b := range []string{
		seedExample,
		execBody(`"status":"running","STATUS":"success"`),
		`{"data":{"id":"` + seedExecID + `","status":"failure"},"DATA":{"id":"` + seedExecID + `","status":"success"}}`,
		execBody(`"status":"success","startTime":"2016-12-31t23:59:60z","executionTime":1e400`, "startTime"),
		execBody(`"st\u0061tus":"success","output":{"a":1},"errorMessage":[],"version":3`, "version"),
		execBody(`"status":"running","status":"success"`),
		`{"id":"` + seedExecID + `","status":"success","startTime":"2026-01-01T00:00:00Z","tags":["a"],"inputs":{"k":"v"},"isDraft":true}`,
		`{"data":{"results":[` + execBody(`"status":"success"`)[8:len(execBody(`"status":"success"`))-1] + `],"pagination":{"page":1,"limit":10,"total":1,"totalPages":1}}}`,
		`{"data":{"success":true,"async":true,"message":"m","taskId":"t","executionResultId":"` + seedExecID + `"}}`,
		`{"run_id":"run_1","status":"success","result":{"x":1},"session_id":"s"}`,
		`{"error":{"code":404,"message":"not found"}}`,
		`{"data":null}`,
		`<!doctype html><title>502</title>`,
		"{\"data\":{\"id\":\"" + seedExecID + "\",\"status\":\"succ\xffess\"}}",
	} {
		add([]byte(b))
	}
}

// FuzzDecodeExecution feeds arbitrary bodies through GetExecution's
// decoding: it never panics, a status it returns comes from the single
// member called exactly "status" of the single member called exactly
// "data", the ID is the one asked for, and Raw decodes to the same.
func FuzzDecodeExecution(f *testing.F) {
	addSeeds(f, func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := decodeExecution(string(body))
		if err != nil {
			return
		}
		checkExecution(t, body, e, seedExecID, true)
	})
}

// checkExecution checks a decoded execution against the oracle.
func checkExecution(t *testing.T, body []byte, e *Execution, want string, wrapped bool) {
	t.Helper()
	doc, err := parseOrdered(body)
	if err != nil {
		t.Fatalf("decoded %q, which encoding/json does not parse: %v", body, err)
	}
	obj := doc
	if wrapped {
		var ok bool
		if obj, ok = only(doc, "data"); !ok {
			t.Fatalf("decoded %q, which has no single member called exactly \"data\"", body)
		}
	}
	wantExactString(t, body, obj, "status", string(e.Status))
	wantExactString(t, body, obj, "id", e.ID)
	if want != "" && !strings.EqualFold(e.ID, want) {
		t.Fatalf("decoded execution %q from %q, asked for %q", e.ID, body, want)
	}
	var back Execution
	if err := back.UnmarshalJSON(e.Raw); err != nil || back.Status != e.Status || back.ID != e.ID {
		t.Fatalf("Raw %q decodes to %+v, %v; want status %q and ID %q again", e.Raw, back, err, e.Status, e.ID)
	}
}

// FuzzDecodeResponse decodes arbitrary bodies as the answer of each
// endpoint in turn: nothing panics, statuses and IDs come only from the
// members called exactly so, results come back only for the ID asked
// for, and an API error document never fails to decode into something.
func FuzzDecodeResponse(f *testing.F) {
	addSeeds(f, func(b []byte) {
		for ep := range uint8(6) {
			f.Add(ep, b)
		}
	})
	f.Fuzz(func(t *testing.T, endpoint uint8, body []byte) {
		switch endpoint % 6 {
		case 0: // GET /v1/task/{taskId}/executions/{executionId}
			e, err := decodeExecution(string(body))
			if err == nil {
				checkExecution(t, body, e, seedExecID, true)
			}
		case 1: // GET /v1/executions/{executionId}
			tg := &executionBody{want: seedExecID, byID: true}
			if decodeString(tg, string(body)) == nil {
				checkExecution(t, body, &tg.exec, seedExecID, false)
			}
		case 2: // GET /v1/task/{taskId}/executions
			tg := &pageBody{}
			if decodeString(tg, string(body)) != nil {
				return
			}
			doc, err := parseOrdered(body)
			if err != nil {
				t.Fatalf("decoded %q, which encoding/json does not parse: %v", body, err)
			}
			data, _ := only(doc, "data")
			results, ok := only(data, "results")
			arr, isArr := results.([]any)
			if !ok || !isArr || len(arr) != len(tg.page.Results) {
				t.Fatalf("decoded %d results from %q, whose data.results is %v", len(tg.page.Results), body, results)
			}
			for i := range arr {
				wantExactString(t, body, arr[i], "status", string(tg.page.Results[i].Status))
			}
		case 3: // POST /v1/task/run
			tg := &runTaskBody{}
			if decodeString(tg, string(body)) != nil {
				return
			}
			doc, err := parseOrdered(body)
			if err != nil {
				t.Fatalf("decoded %q, which encoding/json does not parse: %v", body, err)
			}
			data, _ := only(doc, "data")
			if v, ok := only(data, "success"); !ok || v != tg.res.Success {
				t.Fatalf("decoded success %v from %q, whose single exact success is %v (%v)", tg.res.Success, body, v, ok)
			}
		case 4: // GET /v2/tasks/runs/{runId}/status
			tg := &runBody{want: "run_1"}
			if decodeString(tg, string(body)) != nil {
				return
			}
			if tg.run.ID != "run_1" {
				t.Fatalf("decoded run %q from %q, asked for run_1", tg.run.ID, body)
			}
			doc, err := parseOrdered(body)
			if err != nil {
				t.Fatalf("decoded %q, which encoding/json does not parse: %v", body, err)
			}
			wantExactString(t, body, doc, "status", string(tg.run.Status))
			wantExactString(t, body, doc, "run_id", tg.run.ID)
		case 5: // any error answer
			r := getReader()
			defer r.release()
			if err := r.readAll(bytes.NewReader(body), -1, DefaultMaxBodySize); err != nil {
				t.Fatal(err)
			}
			r.start()
			r.errorDocument()
		}
	})
}
