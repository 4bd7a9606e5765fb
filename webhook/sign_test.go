package webhook

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// vector is one line of testdata/vectors.txt, computed by vectors.sh with
// openssl.
type vector struct {
	name, secret, ts string
	body             []byte
	sig              string
}

func readVectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			t.Fatalf("vectors.txt line %d: %d fields, want 5", i+1, len(f))
		}
		body, err := hex.DecodeString(f[3])
		if err != nil {
			t.Fatalf("vectors.txt line %d: body: %v", i+1, err)
		}
		vs = append(vs, vector{name: f[0], secret: f[1], ts: f[2], body: body, sig: f[4]})
	}
	if len(vs) < 10 {
		t.Fatalf("vectors.txt has %d vectors, want at least 10", len(vs))
	}
	return vs
}

func TestSignMatchesOpenSSLVectors(t *testing.T) {
	for _, v := range readVectors(t) {
		t.Run(v.name, func(t *testing.T) {
			sec, err := strconv.ParseInt(v.ts, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			want := "t=" + v.ts + ",v1=" + v.sig
			if got := Sign([]byte(v.secret), time.Unix(sec, 0), v.body); got != want {
				t.Errorf("Sign = %q, want %q (openssl)", got, want)
			}
			sig, err := parseSignature([]string{want})
			if err != nil {
				t.Fatal(err)
			}
			if !sig.matches([][]byte{[]byte(v.secret)}, v.body) {
				t.Errorf("the openssl signature does not verify")
			}
			if sig.matches([][]byte{[]byte(v.secret + "x")}, v.body) {
				t.Errorf("verifies under another secret")
			}
			altered := append([]byte{}, v.body...)
			if len(altered) == 0 {
				altered = []byte{' '}
			} else {
				altered[len(altered)/2] ^= 0x01
			}
			if sig.matches([][]byte{[]byte(v.secret)}, altered) {
				t.Errorf("verifies a body altered by one byte")
			}
		})
	}
}

// The one-byte-changed vector is completed with one digit of the ID
// changed: its signature is different and does not verify the other.
func TestVectorsOneByteApart(t *testing.T) {
	byName := map[string]vector{}
	for _, v := range readVectors(t) {
		byName[v.name] = v
	}
	a, b := byName["completed"], byName["one-byte-changed"]
	diff := 0
	for i := range a.body {
		if a.body[i] != b.body[i] {
			diff++
		}
	}
	if len(a.body) != len(b.body) || diff != 1 {
		t.Fatalf("bodies differ in %d bytes (lengths %d, %d), want exactly 1", diff, len(a.body), len(b.body))
	}
	if a.sig == b.sig {
		t.Fatal("same signature for different bodies")
	}
	sig, _ := parseSignature([]string{"t=" + b.ts + ",v1=" + a.sig})
	if sig.matches([][]byte{[]byte(a.secret)}, b.body) {
		t.Error("completed's signature verifies one-byte-changed's body")
	}
}

// The committed vectors are what the script makes today, where openssl is
// there to run it.
func TestVectorsScriptReproducible(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl on PATH")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	cmd := exec.Command(sh, "vectors.sh")
	cmd.Dir = "testdata"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("vectors.sh: %v; stderr %q", err, stderr.String())
	}
	want, err := os.ReadFile("testdata/vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("vectors.sh output differs from testdata/vectors.txt:\n%s\nwant:\n%s", out, want)
	}
}

func TestParseSignature(t *testing.T) {
	const (
		h1 = "ed2d9a26098de488745982ee6ba86e8426d67ae45b41d203c589d8ba4f8e012d"
		h2 = "fbdf859e1d62903eca2fa6168f39a387d6772ddb2f302e299e2c1037c1722219"
	)
	tests := []struct {
		name   string
		lines  []string
		wantTS string
		wantN  int // v1 values
		bad    string
	}{
		{"canonical", []string{"t=1700000000,v1=" + h1}, "1700000000", 1, ""},
		{"v1 first", []string{"v1=" + h1 + ",t=1700000000"}, "1700000000", 1, ""},
		{"spaces", []string{" t=1700000000 ,\tv1=" + h1 + " "}, "1700000000", 1, ""},
		{"two v1", []string{"t=1,v1=" + h1 + ",v1=" + h2}, "1", 2, ""},
		{"upper-case hex", []string{"t=1,v1=" + strings.ToUpper(h1)}, "1", 1, ""},
		{"other scheme ignored", []string{"t=1,v0=zz,v1=" + h1}, "1", 1, ""},
		{"empty element", []string{"t=1,,v1=" + h1 + ","}, "1", 1, ""},
		{"two header lines", []string{"t=1", "v1=" + h1}, "1", 1, ""},
		{"no t", []string{"v1=" + h1}, "", 0, "no t"},
		{"no v1", []string{"t=1"}, "", 0, "no v1"},
		{"two t", []string{"t=1,t=2,v1=" + h1}, "", 0, "more than one t"},
		{"t not digits", []string{"t=17e8,v1=" + h1}, "", 0, "unix seconds"},
		{"t signed", []string{"t=+1,v1=" + h1}, "", 0, "unix seconds"},
		{"t negative", []string{"t=-1,v1=" + h1}, "", 0, "unix seconds"},
		{"t empty", []string{"t=,v1=" + h1}, "", 0, "unix seconds"},
		{"t too long", []string{"t=99999999999999999999,v1=" + h1}, "", 0, "unix seconds"},
		{"v1 short", []string{"t=1,v1=" + h1[:62]}, "", 0, "64 hex digits"},
		{"v1 not hex", []string{"t=1,v1=" + strings.Repeat("g", 64)}, "", 0, "64 hex digits"},
		{"no equals", []string{"t=1,v1" + h1}, "", 0, "without '='"},
		{"empty", []string{""}, "", 0, "no t"},
		{"too many v1", []string{"t=1" + strings.Repeat(",v1="+h1, 17)}, "", 0, "more than 16"},
		{"key case matters", []string{"T=1,V1=" + h1}, "", 0, "no t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := parseSignature(tt.lines)
			if tt.bad != "" {
				if err == nil || !errors.Is(err, errGarbled) || !strings.Contains(err.Error(), tt.bad) {
					t.Fatalf("error %v, want a garbled-header error about %q", err, tt.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sig.ts != tt.wantTS || len(sig.v1) != tt.wantN {
				t.Errorf("t=%q with %d v1, want t=%q with %d", sig.ts, len(sig.v1), tt.wantTS, tt.wantN)
			}
		})
	}
}

// The header constants are spelled as net/http stores them, so a
// header map built by hand finds them.
func TestHeaderNamesCanonical(t *testing.T) {
	for _, h := range []string{HeaderSignature, HeaderTimestamp, HeaderEvent, HeaderDeliveryID} {
		if c := http.CanonicalHeaderKey(h); c != h {
			t.Errorf("%q is not canonical: %q", h, c)
		}
	}
}
