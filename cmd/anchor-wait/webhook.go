package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/anchorwait/anchorwait/internal/words"
	"github.com/anchorwait/anchorwait/poller"
	"github.com/anchorwait/anchorwait/webhook"
)

// Webhooks: with --webhook-listen, every wait command serves a
// webhook.Receiver on ADDR while it waits. Each verified event is a hint
// to the command's one Poller (Poller.Hint with the event's tokens): the
// waits it names are polled at once, and an event that names none makes
// every wait due soon (the poller limits how often). The Poller is built
// with poller.WithHints, so the polls become a safety net,
// --webhook-max-interval apart. The poll decides every outcome: an event
// never does.

// webhookFlags say whether and how to receive webhook events: the commands
// that wait take them.
type webhookFlags struct {
	listen     string // --webhook-listen ADDR; "" for none
	secretFile string // --webhook-secret-file
	// maxInterval is --webhook-max-interval; 0 when not given, until check
	// sets the default.
	maxInterval time.Duration
}

// defaultWebhookMaxInterval is the delay between the polls that back the
// events up: long, so that a healthy webhook costs almost no polls.
const defaultWebhookMaxInterval = 5 * time.Minute

// maxSecretFileSize bounds what is read from --webhook-secret-file.
const maxSecretFileSize = 64 * 1024

// minSecretLen is the shortest signing secret taken: a short one could be
// guessed, and blanking it out of everything printed would garble the
// output (a secret "x" blanks every x).
const minSecretLen = 16

// webhookStopGrace bounds stopping the receiver: a delivery in progress
// gets this long to be answered before its connection is closed.
const webhookStopGrace = 2 * time.Second

// The receiver's HTTP server: a request's headers must come within
// webhookHeaderTimeout (the Receiver bounds the body itself), and they are
// small.
const (
	webhookHeaderTimeout = 5 * time.Second
	webhookIdleTimeout   = time.Minute
	webhookMaxHeader     = 64 << 10
)

// check checks how the webhook flags combine, interval being --interval,
// and sets the default of --webhook-max-interval.
func (o *webhookFlags) check(interval time.Duration) error {
	if o.listen == "" {
		switch {
		case o.secretFile != "":
			return usagef("--webhook-secret-file is given without --webhook-listen: want --webhook-listen ADDR with it, to receive webhook events")
		case o.maxInterval != 0:
			return usagef("--webhook-max-interval is given without --webhook-listen: want --webhook-listen ADDR with it, to receive webhook events")
		}
		return nil
	}
	if o.maxInterval == 0 {
		o.maxInterval = defaultWebhookMaxInterval
	}
	if o.maxInterval < interval {
		return usagef("--webhook-max-interval %v is below --interval %v: want --webhook-max-interval at least --interval", o.maxInterval, interval)
	}
	return nil
}

// pollerOptions are the poller's options for the webhook flags: with
// --webhook-listen, polls are a safety net --webhook-max-interval apart.
func (o *webhookFlags) pollerOptions() []poller.Option {
	if o.listen == "" {
		return nil
	}
	return []poller.Option{poller.WithHints(o.maxInterval)}
}

// loadWebhookSecret returns the webhook's signing secret: from
// --webhook-secret-file when given (it wins over the environment), else
// from ANCHORBROWSER_WEBHOOK_SECRET, without surrounding white space (a
// file's final newline), and at least minSecretLen long. Reading the file
// stops when ctx ends (a *stoppedError), as reading --api-key-file does.
// Other errors are usage errors that never contain the secret.
func loadWebhookSecret(ctx context.Context, secretFile string, getenv func(string) string) (string, error) {
	if secretFile == "" {
		secret := strings.TrimSpace(getenv(webhook.EnvSecret))
		if secret == "" {
			return "", usagef("--webhook-listen needs the webhook's signing secret: set %s or pass --webhook-secret-file FILE", webhook.EnvSecret)
		}
		return secret, checkSecretLen(secret, "$"+webhook.EnvSecret)
	}
	b, mode, err := readSmallFile(ctx, secretFile, "--webhook-secret-file", maxSecretFileSize)
	var se *stoppedError
	switch {
	case errors.As(err, &se):
		return "", err
	case err != nil:
		return "", usagef("cannot read --webhook-secret-file %s: %s: want a readable file holding the webhook's signing secret", quotePath(secretFile), osReason(err))
	case mode.IsDir():
		return "", usagef("--webhook-secret-file %s is a directory: want a file holding the webhook's signing secret", quotePath(secretFile))
	case len(b) > maxSecretFileSize:
		return "", usagef("--webhook-secret-file %s is over %d bytes: want a file holding only the webhook's signing secret", quotePath(secretFile), maxSecretFileSize)
	}
	secret := strings.TrimSpace(string(b))
	switch {
	case secret == "" && mode&fs.ModeNamedPipe != 0:
		return "", usagef("--webhook-secret-file %s is a pipe that gave nothing (nobody wrote to it): want a file holding the webhook's signing secret", quotePath(secretFile))
	case secret == "":
		return "", usagef("--webhook-secret-file %s is empty: want the webhook's signing secret on one line", quotePath(secretFile))
	case strings.ContainsAny(secret, "\r\n"):
		return "", usagef("--webhook-secret-file %s holds more than one line: want only the webhook's signing secret, on one line", quotePath(secretFile))
	}
	return secret, checkSecretLen(secret, "--webhook-secret-file "+quotePath(secretFile))
}

// checkSecretLen refuses a secret shorter than minSecretLen; source names
// where it came from.
func checkSecretLen(secret, source string) error {
	if n := utf8.RuneCountInString(secret); n < minSecretLen {
		return usagef("the webhook signing secret in %s has %d characters: want the secret Anchor gave for the webhook, at least %d characters", source, n, minSecretLen)
	}
	return nil
}

// webhookServer is the receiver of --webhook-listen, serving until stop.
type webhookServer struct {
	srv   *http.Server
	rv    *webhook.Receiver
	done  chan struct{} // closed when Serve has returned
	out   *output
	quiet bool
	// waited is set once a wait began: only then is there something to
	// sum up.
	waited atomic.Bool
	once   sync.Once
}

// startWebhooks starts receiving webhook events as w's flags ask, if they
// do: it reads the secret (which the output layer blanks out from then
// on), listens on the address, says on stderr where (the actual address,
// so port 0 is useful), and serves until w.close or the end of the wait
// stops it. Every verified event hints w's poller. Its errors, made
// before any request, are usage errors (no secret, an address that cannot
// be listened on), or a *stoppedError when ctx ended reading the secret.
func (e *cliEnv) startWebhooks(ctx context.Context, w *waiter) error {
	o := &w.poll.webhook
	if o.listen == "" {
		return nil
	}
	secret, err := loadWebhookSecret(ctx, o.secretFile, e.getenv)
	if err != nil {
		return err
	}
	e.out.addSecret(secret)
	p, prog, verbose := w.poller, w.progress, w.report.verbose
	rv, err := webhook.NewReceiver([]byte(secret), func(ev webhook.Event) {
		p.Hint(ev.Tokens()...)
		if verbose {
			prog.note(fmt.Sprintf("webhook event %s (%s): polling what it names", e.out.excerpt(ev.ID, 80), e.out.excerpt(ev.Type, 40)))
		}
	})
	if err != nil { // it never names the secret
		return usagef("the webhook's signing secret: %s", oneLine(err.Error()))
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.listen)
	if err != nil {
		return usagef("--webhook-listen %s: cannot listen: %s: want HOST:PORT that this machine can listen on, such as 127.0.0.1:8080 (port 0 for any free one)",
			quoteValue(o.listen), oneLine(listenReason(err)))
	}
	s := &webhookServer{
		srv: &http.Server{
			Handler:           rv,
			ReadHeaderTimeout: webhookHeaderTimeout,
			IdleTimeout:       webhookIdleTimeout,
			MaxHeaderBytes:    webhookMaxHeader,
			ErrorLog:          log.New(e.out.stdLog(), "webhook receiver: ", 0),
		},
		rv: rv, done: make(chan struct{}), out: e.out, quiet: w.report.quiet,
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln) // ErrServerClosed once stop begins
	}()
	w.hooks = s
	fmt.Fprintf(e.out.Stderr(), "receiving webhook events at http://%s/ (any path); polls every %s back them up\n",
		ln.Addr(), shortDuration(o.maxInterval))
	return nil
}

// listenReason is why listening failed, without the "listen tcp ADDR:"
// that the message says already.
func listenReason(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

// stop stops receiving: new deliveries are refused at once, and those in
// progress get webhookStopGrace to be answered. It returns once the server
// has stopped, and, when a wait began meanwhile, says on stderr what was
// received (unless --quiet). It may be called more than once, and on a nil
// *webhookServer.
func (s *webhookServer) stop() {
	if s == nil {
		return
	}
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), webhookStopGrace)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.srv.Close()
		}
		<-s.done
		if !s.quiet && s.waited.Load() {
			fmt.Fprintln(s.out.Stderr(), webhookSummary(s.rv.Stats()))
		}
	})
}

// webhookSummary says what the receiver got: "webhook: 3 events received,
// 1 repeat dropped, 2 deliveries refused for their signature (401: is the
// secret the webhook's?)".
func webhookSummary(st webhook.Stats) string {
	parts := []string{words.Plural(int(st.Accepted), "event") + " received"}
	if st.Duplicates > 0 {
		parts = append(parts, words.Plural(int(st.Duplicates), "repeat")+" dropped")
	}
	if st.Unauthorized > 0 {
		parts = append(parts, deliveries(st.Unauthorized)+" refused for a bad signature or timestamp (401: is the secret the webhook's, and the clock right?)")
	}
	if st.Refused > 0 {
		parts = append(parts, deliveries(st.Refused)+" refused as malformed (400, 405, 408 or 413)")
	}
	return "webhook: " + strings.Join(parts, ", ")
}

// note writes line among the progress lines (above the live line, if one
// is shown), unless progress is off.
func (p *progress) note(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode != progressOff {
		p.writeLine(line)
	}
}

// deliveries says "1 delivery" or "N deliveries".
func deliveries(n int64) string {
	if n == 1 {
		return "1 delivery"
	}
	return fmt.Sprintf("%d deliveries", n)
}

// began records that a wait began; a nil *webhookServer ignores it.
func (s *webhookServer) began() {
	if s != nil {
		s.waited.Store(true)
	}
}
