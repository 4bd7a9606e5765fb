package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/anchorwait/anchorwait/internal/safetext"
)

func TestRedactor(t *testing.T) {
	var buf bytes.Buffer
	o := newOutput(&buf, io.Discard)
	r := o.red
	r.add("") // ignored
	r.add(testKey)
	n, err := fmt.Fprintf(o.Stdout(), "key=%s abc %s\n", testKey, testKey)
	if err != nil || n != len("key= abc \n")+2*len(testKey) {
		t.Fatalf("Write returned %d, %v; want the length written by the caller", n, err)
	}
	if got, want := buf.String(), "key=[REDACTED] abc [REDACTED]\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	r.add(wrongKey)
	if got, want := r.redact(wrongKey+testKey), redacted+redacted; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := (&redactor{}).redact("nothing to hide"), "nothing to hide"; got != want {
		t.Errorf("no secrets: got %q, want %q", got, want)
	}
}

// TestRedactorKeysOfAnyLength: a key is blanked out whatever its length,
// and the replacement text is never searched again.
func TestRedactorKeysOfAnyLength(t *testing.T) {
	tests := []struct {
		name, key, in, want string
	}{
		{"one character", "E", "ExE", "[REDACTED]x[REDACTED]"},
		{"two characters", "ab", "cab ab", "c[REDACTED] [REDACTED]"},
		{"three characters", "abc", "abc abd", "[REDACTED] abd"},
		{"long", longKey, "k=" + longKey + ".", "k=[REDACTED]."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &redactor{}
			r.add(tt.key)
			if got := r.redact(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRedactorEscapedForms: a key is blanked out in the escaped forms
// anchor-wait prints values in, not only as given.
func TestRedactorEscapedForms(t *testing.T) {
	key := `sk-"odd\key<&>|::##[` + "\x01%:,\u202e"
	r := &redactor{}
	r.add(key)
	jsonOf := func(s string) string {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, form := range []string{
		key,
		strconv.Quote(key),
		jsonOf(key),
		oneLine(key),
		strconv.Quote(oneLine(key)),
		safetext.CommandData(key),
		safetext.CommandProperty(key),
		safetext.Line(key),
		safetext.TableCell(key),
		string(safetext.JSON([]byte(jsonOf(key)))),
		html.EscapeString(safetext.Line(key)),
		xmlOf(t, key),
	} {
		if got := r.redact("x " + form + " y"); strings.Contains(got, "odd") {
			t.Errorf("redact(%q) = %q, want the key blanked out", form, got)
		}
	}
}

// xmlOf is s as encoding/xml writes it inside an element.
func xmlOf(t *testing.T, s string) string {
	t.Helper()
	b, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"x"`
		Text    string   `xml:",chardata"`
	}{Text: s})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(strings.TrimPrefix(string(b), "<x>"), "</x>")
}

// TestRedactorOnePass: the replacement text is not searched for secrets in
// turn, though secrets occur in it.
func TestRedactorOnePass(t *testing.T) {
	r := &redactor{}
	r.add("RED")
	r.add("ACT")
	if got, want := r.redact("RED ACT"), redacted+" "+redacted; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestRedactorLongerFirst: where one secret holds another, the longer is
// blanked whole.
func TestRedactorLongerFirst(t *testing.T) {
	r := &redactor{}
	r.add("sk")
	r.add(testKey)
	if got, want := r.redact(testKey+" sk"), redacted+" "+redacted; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRedactorConcurrent(t *testing.T) {
	r := &redactor{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			r.add(fmt.Sprintf("secret-%d", i))
			_ = r.redact("secret-0 secret-1")
		})
	}
	wg.Wait()
	if got := r.redact("secret-3"); got != redacted {
		t.Errorf("got %q, want %q", got, redacted)
	}
}
