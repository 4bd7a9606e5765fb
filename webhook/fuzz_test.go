package webhook

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// Whatever arrives, the Receiver does not panic, passes on only what is
// signed, and answers without echoing it.
func FuzzReceiver(f *testing.F) {
	f.Add("t=1750000000,v1=00", "", testBody, false)
	f.Add("", "1750000000", `{"id":"evt_1"}`, true)
	f.Add("t=1750000000,v1=zz,v1=", "1750000001", `[`, true)
	f.Fuzz(func(t *testing.T, sigHeader, tsHeader, body string, sign bool) {
		rv, s, _ := newTestReceiver(t)
		h := http.Header{}
		if sign {
			h = signed(testSecret, testNow, body)
		} else {
			h.Set(HeaderSignature, sigHeader)
		}
		if tsHeader != "" {
			h.Set(HeaderTimestamp, tsHeader)
		}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header = h
		w := httptest.NewRecorder()
		rv.ServeHTTP(w, r)
		if !sign && len(s.got()) != 0 {
			t.Fatalf("unsigned delivery passed on (answer %d)", w.Code)
		}
		if w.Code == http.StatusOK && len(s.got()) != 1 {
			t.Fatalf("answered 200 with %d events passed on", len(s.got()))
		}
		if len(body) >= 12 && strings.Contains(w.Body.String(), body) {
			t.Fatalf("answer %q echoes the body", w.Body.String())
		}
	})
}

// Every event that parses has tokens made of token characters, each
// mentioned by the event.
func FuzzParseEvent(f *testing.F) {
	f.Add(testBody)
	f.Add(`{"a":["\u00e9xecutions/ABCDEFGH-1234",{"k_0123456789":null}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		ev, err := ParseEvent([]byte(body))
		if err != nil {
			return
		}
		for _, tok := range ev.Tokens() {
			if len(tok) < minToken || !utf8.ValidString(tok) || strings.ToLower(tok) != tok {
				t.Fatalf("token %q: want 8 or more lower-case token characters", tok)
			}
			for i := 0; i < len(tok); i++ {
				if !isTokenByte(tok[i]) {
					t.Fatalf("token %q holds %q", tok, tok[i])
				}
			}
			if !ev.Mentions(tok) {
				t.Fatalf("token %q is not mentioned", tok)
			}
		}
	})
}
