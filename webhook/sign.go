package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of an Anchor webhook delivery.
const (
	HeaderSignature  = "Anchor-Signature"   // t=<unix seconds>,v1=<hex HMAC-SHA256>
	HeaderTimestamp  = "Anchor-Timestamp"   // unix seconds, the same as the signature's t
	HeaderEvent      = "Anchor-Event"       // the event type, such as task.completed
	HeaderDeliveryID = "Anchor-Delivery-Id" // a UUID naming the delivery
)

// EnvSecret is the environment variable that holds a webhook's signing
// secret, for commands that receive or send deliveries.
const EnvSecret = "ANCHORBROWSER_WEBHOOK_SECRET"

// Sign returns the Anchor-Signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex>", where the hex is
// HMAC-SHA256(secret, "v0:" + t + ":" + body). It is safe for concurrent use.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

// mac is HMAC-SHA256(secret, "v0:" + ts + ":" + body).
func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("v0:"))
	m.Write([]byte(ts))
	m.Write([]byte(":"))
	m.Write(body)
	return m.Sum(nil)
}

// maxSignatures bounds the v1 values one header may carry.
const maxSignatures = 16

// signature is a parsed Anchor-Signature header.
type signature struct {
	ts   string   // t as sent: the text that was signed
	unix int64    // t in seconds
	v1   [][]byte // the v1 values, decoded
}

// errGarbled is the cause of every header that does not parse.
var errGarbled = errors.New("garbled " + HeaderSignature + " header")

// parseSignature reads the elements of an Anchor-Signature header (several
// header lines count as one, joined by commas): exactly one t, of 1 to 19
// digits, and 1 to 16 v1 values of 64 hex digits. Elements may have white
// space around them, come in any order, and be of other schemes (v0=...,
// which are ignored).
func parseSignature(lines []string) (signature, error) {
	var sig signature
	seenT := false
	for _, line := range lines {
		for elem := range strings.SplitSeq(line, ",") {
			elem = strings.Trim(elem, " \t")
			if elem == "" {
				continue
			}
			k, v, ok := strings.Cut(elem, "=")
			if !ok {
				return sig, fmt.Errorf("%w: element without '='", errGarbled)
			}
			switch k {
			case "t":
				if seenT {
					return sig, fmt.Errorf("%w: more than one t", errGarbled)
				}
				seenT = true
				if !allDigits(v) || len(v) > 19 {
					return sig, fmt.Errorf("%w: t is not unix seconds", errGarbled)
				}
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return sig, fmt.Errorf("%w: t is not unix seconds", errGarbled)
				}
				sig.ts, sig.unix = v, n
			case "v1":
				if len(sig.v1) == maxSignatures {
					return sig, fmt.Errorf("%w: more than %d v1 values", errGarbled, maxSignatures)
				}
				b, err := hex.DecodeString(v)
				if err != nil || len(b) != sha256.Size {
					return sig, fmt.Errorf("%w: v1 is not %d hex digits", errGarbled, 2*sha256.Size)
				}
				sig.v1 = append(sig.v1, b)
			}
		}
	}
	switch {
	case !seenT:
		return sig, fmt.Errorf("%w: no t", errGarbled)
	case len(sig.v1) == 0:
		return sig, fmt.Errorf("%w: no v1", errGarbled)
	}
	return sig, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// matches reports whether one of the v1 values is the body's signature
// under one of the secrets. Every comparison takes constant time.
func (sig *signature) matches(secrets [][]byte, body []byte) bool {
	ok := false
	for _, secret := range secrets {
		want := mac(secret, sig.ts, body)
		for _, got := range sig.v1 {
			if hmac.Equal(got, want) {
				ok = true // keep going: the time taken does not tell which matched
			}
		}
	}
	return ok
}
