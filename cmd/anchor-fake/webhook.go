package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/webhook"
)

// maxSecretFileSize bounds what is read from --webhook-secret-file: a
// secret is short, and a wrong path must not be read to the end.
const maxSecretFileSize = 64 * 1024

// webhookFlags are the flags that make the fake deliver webhook events.
type webhookFlags struct {
	url        string
	secretFile string
	delay      time.Duration
	loss       fraction
	duplicate  fraction
	wrong      bool
}

// webhook returns the delivery the flags ask for: nil without
// --webhook-url. set holds the names of the flags given; seed picks the
// events lost and duplicated. Errors never contain the secret.
func (w *webhookFlags) webhook(set map[string]bool, seed uint64, getenv func(string) string) (*anchortest.Webhook, error) {
	if w.url == "" {
		for _, name := range []string{"webhook-secret-file", "webhook-delay", "webhook-loss", "webhook-duplicate", "webhook-wrong-secret"} {
			if set[name] {
				return nil, fmt.Errorf("--%s needs --webhook-url: want the URL to deliver events to as well", name)
			}
		}
		return nil, nil
	}
	u, err := url.Parse(w.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--webhook-url %q: want an absolute http or https URL, such as http://127.0.0.1:9000/anchor", w.url)
	}
	if w.delay < 0 {
		return nil, fmt.Errorf("--webhook-delay %v: want 0 or more", w.delay)
	}
	secret, err := webhookSecret(w.secretFile, getenv)
	if err != nil {
		return nil, err
	}
	h := &anchortest.Webhook{URL: w.url, Secret: []byte(secret), Delay: w.delay}
	if w.delay == 0 {
		h.Delay = -1 // at once; 0 would mean the default
	}
	if w.loss > 0 {
		h.Lose = anchortest.FractionOfEvents(float64(w.loss), seed)
	}
	if w.duplicate > 0 {
		h.Duplicate = anchortest.FractionOfEvents(float64(w.duplicate), seed+1)
	}
	if w.wrong {
		h.WrongSecret = func(int) bool { return true }
	}
	return h, nil
}

// webhookSecret returns the signing secret: from the file named by
// --webhook-secret-file when given (the file wins over the environment),
// else from ANCHORBROWSER_WEBHOOK_SECRET. Surrounding white space, such as
// the file's final newline, is dropped. Only a regular file is read, so a
// FIFO or a device cannot hang the command.
func webhookSecret(file string, getenv func(string) string) (string, error) {
	if file == "" {
		secret := strings.TrimSpace(getenv(webhook.EnvSecret))
		if secret == "" {
			return "", fmt.Errorf("no webhook secret: set %s or pass --webhook-secret-file FILE", webhook.EnvSecret)
		}
		if strings.ContainsAny(secret, " \t\r\n") {
			return "", fmt.Errorf("%s holds more than one word: want the secret alone", webhook.EnvSecret)
		}
		return secret, nil
	}
	name := strconv.Quote(file)
	st, err := os.Stat(file)
	if err != nil {
		return "", fmt.Errorf("cannot read --webhook-secret-file %s: %s: want a readable file holding the secret", name, pathReason(err))
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("--webhook-secret-file %s is not a regular file (%s): want a file holding the secret", name, kind(st.Mode()))
	}
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("cannot read --webhook-secret-file %s: %s: want a readable file holding the secret", name, pathReason(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFileSize+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("cannot read --webhook-secret-file %s: %s: want a readable file holding the secret", name, pathReason(err))
	case len(b) > maxSecretFileSize:
		return "", fmt.Errorf("--webhook-secret-file %s is over %d bytes: want a file holding only the secret", name, maxSecretFileSize)
	}
	secret := strings.TrimSpace(string(b))
	switch {
	case secret == "":
		return "", fmt.Errorf("--webhook-secret-file %s is empty: want the secret on one line", name)
	case strings.ContainsAny(secret, " \t\r\n"):
		return "", fmt.Errorf("--webhook-secret-file %s holds more than one word: want only the secret, on one line", name)
	}
	return secret, nil
}

// pathReason is the reason of a file error, without the path the message
// names already.
func pathReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}

// kind names a file mode's type, for a message.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a plain file"
}

// fraction is a flag value from 0 to 1.
type fraction float64

func (f *fraction) String() string { return strconv.FormatFloat(float64(*f), 'g', -1, 64) }

func (f *fraction) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 1 {
		return errors.New("want a fraction from 0 to 1, such as 0.05")
	}
	*f = fraction(v)
	return nil
}

// urlForLog is u without user information, query or fragment, which may
// hold credentials of the receiver.
func urlForLog(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}
