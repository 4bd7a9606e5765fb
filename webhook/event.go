package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// minToken is the length of the shortest run Event.Tokens reports.
const minToken = 8

// Event is one verified webhook delivery: Anchor's envelope, decoded, and
// the delivery headers that matter. Fields the envelope lacks, or holds as
// another JSON type, are left zero; Raw holds the body as it came.
//
// Every string in an Event comes from the network: print it only once
// neutralized. An Event is a value that is never changed once made; its
// methods are safe for concurrent use.
type Event struct {
	// ID is the envelope's "id", such as evt_...: what repeated deliveries
	// of one event share.
	ID string
	// Type is the envelope's "type", such as task.completed, task.failed or
	// task.cancelled.
	Type string
	// Created is the envelope's "created", read as an RFC 3339 time or as
	// unix seconds; zero when absent or neither.
	Created time.Time
	// ProjectID is the envelope's "project_id".
	ProjectID string
	// Text is the envelope's "text", a human-readable summary.
	Text string
	// Data is the envelope's "data", byte-exact; nil when absent.
	Data json.RawMessage
	// Raw is the whole body, byte-exact, as it was signed.
	Raw []byte

	// DeliveryID is the Anchor-Delivery-Id header.
	DeliveryID string
	// EventName is the Anchor-Event header, normally equal to Type.
	EventName string
	// SignedAt is the signature's timestamp.
	SignedAt time.Time

	idx *index
}

// index is what Mentions and Tokens search: every string of the JSON, keys
// included, unescaped and lower-cased, and the tokens found in them.
type index struct {
	lower  []string
	tokens []string
}

// envelope is the body of a delivery, its fields kept raw so that a field
// of an unexpected type spoils only itself.
type envelope struct {
	ID        json.RawMessage `json:"id"`
	Type      json.RawMessage `json:"type"`
	Created   json.RawMessage `json:"created"`
	ProjectID json.RawMessage `json:"project_id"`
	Text      json.RawMessage `json:"text"`
	Data      json.RawMessage `json:"data"`
}

// errNotObject is returned for a body that is not one JSON object.
var errNotObject = errors.New("body is not a JSON object")

// ParseEvent decodes an event from body, a delivery's whole body, without
// verifying anything: for bodies verified elsewhere and for tests of code
// that consumes events. The headers' fields of the Event are left empty. It
// fails for a body that is not one JSON object. body is kept, not copied.
func ParseEvent(body []byte) (Event, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Event{}, errNotObject
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Event{}, errNotObject
	}
	idx, err := buildIndex(body)
	if err != nil {
		return Event{}, errNotObject
	}
	ev := Event{
		ID:        jsonString(env.ID),
		Type:      jsonString(env.Type),
		Created:   jsonTime(env.Created),
		ProjectID: jsonString(env.ProjectID),
		Text:      jsonString(env.Text),
		Raw:       body,
		idx:       idx,
	}
	if len(env.Data) > 0 {
		ev.Data = env.Data
	}
	return ev, nil
}

// jsonString returns raw's value when it is a JSON string, else "".
func jsonString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// jsonTime reads raw as an RFC 3339 string or as unix seconds.
func jsonTime(raw json.RawMessage) time.Time {
	if s := jsonString(raw); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}
		}
		return t
	}
	var f float64
	if len(raw) == 0 || json.Unmarshal(raw, &f) != nil || math.IsInf(f, 0) || math.Abs(f) > 1<<40 {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// buildIndex collects every string of the JSON document body, keys and
// values alike, and the tokens in them.
func buildIndex(body []byte) (*index, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers stay text; no float conversion for nothing
	idx := &index{}
	seen := make(map[string]struct{})
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		s, ok := tok.(string)
		if !ok || s == "" {
			continue
		}
		idx.lower = append(idx.lower, strings.ToLower(s))
		for t := range tokens(s) {
			if _, dup := seen[t]; !dup {
				seen[t] = struct{}{}
				idx.tokens = append(idx.tokens, t)
			}
		}
	}
	return idx, nil
}

// tokens yields the maximal runs of [0-9A-Za-z_-] in s that are at least
// minToken bytes long, ASCII letters lower-cased.
func tokens(s string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		start := -1
		for i := 0; i <= len(s); i++ {
			if i < len(s) && isTokenByte(s[i]) {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 && i-start >= minToken {
				if !yield(asciiLower(s[start:i])) {
					return
				}
			}
			start = -1
		}
	}
}

func isTokenByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '-'
}

// asciiLower lower-cases the ASCII letters of s, allocating only when it
// has upper-case ones.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// Mentions reports whether id occurs, ignoring case, inside any string of
// the event's JSON, keys included, once JSON escapes are undone: an
// execution ID is mentioned by "executionId": "<id>" and by
// "https://.../executions/<id>" alike. An empty id is never mentioned.
//
// It costs a substring search through the event's strings: to match an
// event against many IDs, look its Tokens up in an index of them instead,
// and use Mentions for the few IDs Tokens cannot find. It is safe for
// concurrent use.
func (e Event) Mentions(id string) bool {
	if id == "" || e.idx == nil {
		return false
	}
	id = strings.ToLower(id)
	for _, s := range e.idx.lower {
		if strings.Contains(s, id) {
			return true
		}
	}
	return false
}

// Tokens returns every maximal run of the characters [0-9A-Za-z_-] at least
// eight long found in the strings of the event's JSON (keys included, JSON
// escapes undone), ASCII letters lower-cased, each once, in order of first
// appearance. A UUID is one such run, so an execution ID that the event
// names anywhere, alone or inside a URL such as .../executions/<id>, is one
// of the tokens; an ID glued to other token characters (exec_<id>) is not,
// though Mentions finds it.
//
// A waiter with many IDs looks each token up in its own set of lower-cased
// IDs: the cost is in the size of the event, not in the number of waits.
// The slice is the caller's to keep or change. Tokens is safe for
// concurrent use.
func (e Event) Tokens() []string {
	if e.idx == nil {
		return nil
	}
	return slices.Clone(e.idx.tokens)
}
