package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Response bodies are decoded in one pass over their tokens, by the
// functions in this file and the decode methods of each result type:
//
//   - Member names match exactly, byte for byte after unescaping, never by
//     case as encoding/json does: "STATUS" is not "status".
//   - What decides an outcome is strict: the envelope's "data" (for the
//     wrapped endpoints), the IDs, "status". Missing, null, of another type
//     or given twice, it makes the body a bad response (ErrBadResponse).
//   - Everything else is lenient: a value of the wrong type or out of range
//     becomes the zero value, and its name goes to the result's Unreadable
//     list, as does a required member that is missing; the object stays in
//     Raw, byte for byte.
//   - The body is read into a pooled buffer and decoded with a pooled
//     jsontext.Decoder, which reads that buffer in place.

// decodeOptions make the decoder accept what the lenient rules above can
// live with: duplicate names (this file rejects those that matter, and
// only those), and invalid UTF-8 inside strings, which becomes U+FFFD
// rather than spoiling the whole body.
var decodeOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// maxPooledBody is the largest buffer put back in the pool: a rare huge
// body is not kept alive for every later poll.
const maxPooledBody = 64 << 10

// reader is one response body being decoded. Get one with getReader and
// give it back with release; nothing decoded from it may point into it
// (strings and Raw values are copies).
type reader struct {
	buf     bytes.Buffer
	lr      io.LimitedReader
	dec     jsontext.Decoder
	data    []byte // buf's bytes as dec reads them: InputOffset indexes data
	scratch []byte // unescaped strings
}

var readerPool = sync.Pool{New: func() any { return new(reader) }}

func getReader() *reader { return readerPool.Get().(*reader) }

func (r *reader) release() {
	r.lr.R = nil
	r.data = nil
	if r.buf.Cap() > maxPooledBody {
		r.buf = bytes.Buffer{}
	}
	r.buf.Reset()
	// Point the decoder at an empty buffer, so the pool holds no body.
	r.dec.Reset(&r.buf, decodeOptions...)
	readerPool.Put(r)
}

// errTooLarge reports a body over limit bytes.
type errTooLarge struct{ limit int64 }

func (e errTooLarge) Error() string { return "over " + strconv.FormatInt(e.limit, 10) + " bytes" }

// readAll reads body, at most limit bytes of it, into the buffer. size is
// the Content-Length, -1 when unknown.
func (r *reader) readAll(body io.Reader, size, limit int64) error {
	if size > limit {
		return errTooLarge{limit}
	}
	r.buf.Reset()
	if size > 0 {
		// Room for the whole body and the read that sees EOF, but no more
		// than a pooled buffer holds before the body has come: a
		// Content-Length is the server's word, not yet its bytes.
		r.buf.Grow(int(min(size, maxPooledBody)) + bytes.MinRead)
	}
	r.lr = io.LimitedReader{R: body, N: limit + 1}
	_, err := r.buf.ReadFrom(&r.lr)
	r.lr.R = nil
	if err != nil {
		return err
	}
	if int64(r.buf.Len()) > limit {
		return errTooLarge{limit}
	}
	return nil
}

// start sets the decoder to read the buffer from its first byte.
func (r *reader) start() {
	r.data = r.buf.Bytes()
	r.dec.Reset(&r.buf, decodeOptions...)
}

// startBytes sets the decoder to read a copy of b: for UnmarshalJSON.
func (r *reader) startBytes(b []byte) {
	r.buf.Reset()
	r.buf.Write(b)
	r.start()
}

// offset is where the decoder stands in data.
func (r *reader) offset() int { return int(r.dec.InputOffset()) }

// beginObject reads the '{' of an object and returns its offset in data.
// what names the object in errors.
func (r *reader) beginObject(what string) (int, error) {
	if k := r.dec.PeekKind(); k != '{' {
		if k == 0 {
			_, err := r.dec.ReadToken()
			return 0, syntaxError(err)
		}
		return 0, fmt.Errorf("%s is %s, want an object", what, kindName(k))
	}
	if _, err := r.dec.ReadToken(); err != nil {
		return 0, syntaxError(err)
	}
	return r.offset() - 1, nil
}

// member reads the next member name of the object being read, and false
// (having read the closing '}') when there are no more. The name is valid
// until the next read.
func (r *reader) member() ([]byte, bool, error) {
	if r.dec.PeekKind() == '}' {
		_, err := r.dec.ReadToken()
		return nil, false, syntaxError(err)
	}
	v, err := r.dec.ReadValue()
	if err != nil {
		return nil, false, syntaxError(err)
	}
	return r.unquote(v), true, nil
}

// value reads the next value whole.
func (r *reader) value() (jsontext.Value, error) {
	v, err := r.dec.ReadValue()
	return v, syntaxError(err)
}

// skip reads past the next value.
func (r *reader) skip() error { return syntaxError(r.dec.SkipValue()) }

// end checks that nothing but white space follows the top-level value.
func (r *reader) end() error {
	_, err := r.dec.ReadToken()
	switch {
	case err == io.EOF:
		return nil
	case err == nil:
		return errors.New("more data after the JSON document")
	}
	return syntaxError(err)
}

// raw copies data[from:to], a value just read, for a Raw field.
func (r *reader) raw(from, to int) json.RawMessage {
	return append(json.RawMessage(nil), r.data[from:to]...)
}

// copyValue copies a value just read.
func copyValue(v jsontext.Value) json.RawMessage { return append(json.RawMessage(nil), v...) }

// unquote returns the text of a JSON string value, unescaped, with invalid
// UTF-8 as U+FFFD. The result is valid until the next read or unquote.
func (r *reader) unquote(v jsontext.Value) []byte {
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return inner
	}
	// The decoder has checked the syntax; the only error left is invalid
	// UTF-8, which AppendUnquote has already replaced.
	r.scratch, _ = jsontext.AppendUnquote(r.scratch[:0], v)
	return r.scratch
}

// str returns a string value's text, and false for any other kind.
func (r *reader) str(v jsontext.Value) (string, bool) {
	if v.Kind() != '"' {
		return "", false
	}
	return string(r.unquote(v)), true
}

// strAs is str returning same, without a copy, when the text equals it.
func (r *reader) strAs(v jsontext.Value, same string) (string, bool) {
	if v.Kind() != '"' {
		return "", false
	}
	if b := r.unquote(v); string(b) != same {
		return string(b), true
	}
	return same, true
}

// nullableStr returns nil for null, a string value's text, and false for any
// other kind.
func (r *reader) nullableStr(v jsontext.Value) (*string, bool) {
	if v.Kind() == 'n' {
		return nil, true
	}
	s, ok := r.str(v)
	if !ok {
		return nil, false
	}
	return &s, true
}

// status returns a string value as a Status, without a copy for the
// documented ones, and false for any other kind.
func (r *reader) status(v jsontext.Value) (Status, bool) {
	if v.Kind() != '"' {
		return "", false
	}
	b := r.unquote(v)
	switch string(b) {
	case "queued":
		return StatusQueued, true
	case "running":
		return StatusRunning, true
	case "success":
		return StatusSuccess, true
	case "failure":
		return StatusFailure, true
	case "timeout":
		return StatusTimeout, true
	case "cancelled":
		return StatusCancelled, true
	}
	return Status(b), true
}

// boolean returns a true or false value, and false for any other kind.
func boolean(v jsontext.Value) (b, ok bool) {
	switch v.Kind() {
	case 't':
		return true, true
	case 'f':
		return false, true
	}
	return false, false
}

// number returns a number value, and false for any other: another kind,
// or a number past float64's range (1e400, say). A negative number is kept
// as sent; it is for the caller to make sense of.
func number(v jsontext.Value) (float64, bool) {
	if v.Kind() != '0' {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	return f, err == nil
}

// integer returns a whole number value of at least 0 that fits an int, and
// false for any other.
func integer(v jsontext.Value) (int, bool) {
	if v.Kind() != '0' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(v), 10, 0)
	if err != nil || n < 0 {
		return 0, false
	}
	return int(n), true
}

// maxTimeLen bounds the text of a timestamp: RFC 3339 with nanoseconds and
// an offset is 35 bytes.
const maxTimeLen = 40

// timestamp reads an RFC 3339 date-time, and false for anything else. It
// accepts what RFC 3339 allows and Go's time.Parse does not: a lower-case
// "t" or "z", a space between date and time (the RFC's own note), and a
// leap second (second 60), which is read as the first instant of the next
// minute, as POSIX clocks have it.
func (r *reader) timestamp(v jsontext.Value) (time.Time, bool) {
	if v.Kind() != '"' {
		return time.Time{}, false
	}
	b := r.unquote(v)
	if len(b) < len("2006-01-02T15:04:05Z") || len(b) > maxTimeLen {
		return time.Time{}, false
	}
	var buf [maxTimeLen]byte
	s := buf[:copy(buf[:], b)]
	switch s[10] {
	case 't', ' ':
		s[10] = 'T'
	}
	if last := len(s) - 1; s[last] == 'z' {
		s[last] = 'Z'
	}
	leap := s[17] == '6' && s[18] == '0'
	if leap {
		s[17] = '5'
		s[18] = '9'
	}
	t, err := time.Parse(time.RFC3339Nano, string(s))
	if err != nil {
		return time.Time{}, false
	}
	if leap {
		t = t.Add(time.Second)
	}
	return t, true
}

// kindName names a kind in an error message.
func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "not JSON"
}

// syntaxError returns err, a decoder's error, as this package states such
// errors: io.EOF at the start means an empty body.
func syntaxError(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("the JSON ends too early")
	}
	return err
}

// unreadable is a set of fields, numbered by their place in a names table,
// that were missing or not as documented.
type unreadable uint32

// list returns the names in the set, in the table's order; nil for none.
func (u unreadable) list(names []string) []string {
	if u == 0 {
		return nil
	}
	out := make([]string, 0, bitCount(u))
	for i, n := range names {
		if u&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func bitCount(u unreadable) int {
	n := 0
	for ; u != 0; u &= u - 1 {
		n++
	}
	return n
}

// envelope reads a wrapped body, {"data": ...}, calling data with the
// decoder at data's value. Other members are skipped; a missing, null or
// repeated "data" is an error, as is anything after the document.
func (r *reader) envelope(data func() error) error {
	if _, err := r.beginObject("the body"); err != nil {
		return err
	}
	found := false
	for {
		name, more, err := r.member()
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if string(name) != "data" {
			if err := r.skip(); err != nil {
				return err
			}
			continue
		}
		if found {
			return errors.New(`"data" appears twice`)
		}
		found = true
		if k := r.dec.PeekKind(); k == 'n' {
			return errors.New(`"data" is null`)
		}
		if err := data(); err != nil {
			return err
		}
	}
	if !found {
		return errors.New(`no "data" member`)
	}
	return r.end()
}

// errorDocument reads the API's error document, {"error": {"code": n,
// "message": s}}, leniently: a code or message of another type is left at
// zero. It returns false when the body is not such a document.
func (r *reader) errorDocument() (code int, msg string, ok bool) {
	if _, err := r.beginObject("the body"); err != nil {
		return 0, "", false
	}
	for {
		name, more, err := r.member()
		if err != nil {
			return 0, "", false
		}
		if !more {
			return code, msg, ok && r.end() == nil
		}
		if string(name) != "error" || ok || r.dec.PeekKind() != '{' {
			if err := r.skip(); err != nil {
				return 0, "", false
			}
			continue
		}
		ok = true
		if _, err := r.beginObject("error"); err != nil {
			return 0, "", false
		}
		for {
			name, more, err := r.member()
			if err != nil {
				return 0, "", false
			}
			if !more {
				break
			}
			v, err := r.value()
			if err != nil {
				return 0, "", false
			}
			switch string(name) {
			case "code":
				code, _ = integer(v)
			case "message":
				msg, _ = r.str(v)
			}
		}
	}
}
