package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/poller"
)

// progressMode is how progress is shown on stderr.
type progressMode int

const (
	progressOff   progressMode = iota // --quiet
	progressLines                     // logs: a line per change, heartbeats
	progressLive                      // a terminal: one live line
)

// Default pacing of progress.
const (
	defaultHeartbeat = 60 * time.Second // longest silence in a log
	defaultRefresh   = time.Second      // redraw period of the live line
	// liveMinGap spaces out redraws of the live line that updates cause,
	// so thousands of executions polled at once do not each redraw it.
	liveMinGap = 100 * time.Millisecond
)

// labelNotSeen and labelGaveUp stand in for a status in the counts: no
// status seen yet, and a wait that ended without a final status.
const (
	labelNotSeen = "not seen yet"
	labelGaveUp  = "gave up"
)

// progress shows on stderr how the waits are going. In a log it writes one
// line per status change and, when nothing else was written for a while, a
// "still waiting" heartbeat; in a terminal it keeps one live line of counts
// up to date and writes a line for each execution that finishes. It is safe
// for concurrent use: the poller reports from many goroutines.
type progress struct {
	out       *output
	w         io.Writer // the output layer's stderr
	mode      progressMode
	verbose   bool
	color     bool
	heartbeat time.Duration
	refresh   time.Duration
	// width returns the terminal's width in columns, 0 when unknown: the
	// live line is kept shorter, so it never wraps.
	width func() int

	mu        sync.Mutex
	start     time.Time
	states    map[string]*waitState
	lastWrite time.Time
	lastDraw  time.Time // last time the live line was drawn
	liveShown bool
	stop      chan struct{}
	stopped   chan struct{}
}

// waitState is what progress knows about one execution.
type waitState struct {
	status client.Status
	done   bool
	gaveUp bool // ended without a final status
}

// finished reports whether the execution is counted as finished: its wait
// ended, or it reached a final status (the wait's end follows at once).
func (s *waitState) finished() bool { return s.done || s.status.Terminal() }

// label is the word the execution is counted under.
func (s *waitState) label() string {
	switch {
	case s.gaveUp:
		return labelGaveUp
	case s.status == "":
		return labelNotSeen
	}
	return string(s.status)
}

// newProgress returns a progress display writing to out's stderr. Text
// from the API and from errors goes through out's seams.
func newProgress(out *output, mode progressMode, verbose, color bool) *progress {
	return &progress{out: out, w: out.Stderr(), mode: mode, verbose: verbose, color: color && mode == progressLive,
		heartbeat: defaultHeartbeat, refresh: defaultRefresh, width: func() int { return 0 }}
}

// excerpt is the output layer's excerpt of s.
func (p *progress) excerpt(s string, n int) string { return p.out.excerpt(s, n) }

// begin starts showing progress for the executions ids of task taskID.
// Every begin must be followed by end.
func (p *progress) begin(taskID string, ids []string) {
	p.beginWith(fmt.Sprintf("waiting for %s of task %s", executions(len(ids)), taskID), ids)
}

// beginWith is begin with the first line given: "waiting for 2 v2 runs".
func (p *progress) beginWith(first string, ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start = time.Now()
	p.lastWrite = p.start
	p.states = make(map[string]*waitState, len(ids))
	for _, id := range ids {
		p.states[id] = &waitState{}
	}
	if p.mode == progressOff {
		return
	}
	p.writeLine(first)
	p.stop, p.stopped = make(chan struct{}), make(chan struct{})
	go p.loop(p.stop, p.stopped)
}

// end stops the progress display and clears the live line.
func (p *progress) end() {
	p.mu.Lock()
	stop, stopped := p.stop, p.stopped
	p.stop = nil
	p.mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	<-stopped
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.liveShown {
		io.WriteString(p.w, "\r\x1b[K")
		p.liveShown = false
	}
}

// results returns w, through which results go to stdout, wrapped so that
// with a live line on stderr each write clears the line first and redraws
// it after: on a terminal where stdout and stderr meet, a result never runs
// into the live line. Elsewhere the clearing is harmless.
func (p *progress) results(w io.Writer) io.Writer {
	if p.mode != progressLive {
		return w
	}
	return &aroundLiveLine{p: p, w: w}
}

// aroundLiveLine is the Writer of progress.results.
type aroundLiveLine struct {
	p *progress
	w io.Writer
}

func (a *aroundLiveLine) Write(b []byte) (int, error) {
	p := a.p
	p.mu.Lock()
	defer p.mu.Unlock()
	shown := p.liveShown
	if shown {
		io.WriteString(p.w, "\r\x1b[K")
		p.liveShown = false
	}
	n, err := a.w.Write(b)
	if shown && p.stop != nil {
		p.drawLive()
	}
	return n, err
}

// loop redraws the live line, or writes heartbeats, until stop is closed.
func (p *progress) loop(stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	timer := time.NewTimer(p.nextTick())
	defer timer.Stop()
	for {
		select {
		case <-stop:
			return
		case <-timer.C:
		}
		p.mu.Lock()
		now := time.Now()
		switch p.mode {
		case progressLive:
			p.drawLive()
		case progressLines:
			if now.Sub(p.lastWrite) >= p.heartbeat {
				p.writeLine(p.heartbeatText(now))
			}
		}
		p.mu.Unlock()
		timer.Reset(p.nextTick())
	}
}

// nextTick is how long loop sleeps: the refresh period of the live line, or
// until the heartbeat is due.
func (p *progress) nextTick() time.Duration {
	if p.mode == progressLive {
		return p.refresh
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(time.Until(p.lastWrite.Add(p.heartbeat)), time.Millisecond)
}

// update records what the poller reported and shows it.
func (p *progress) update(u poller.Update) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.states[u.ExecutionID]
	if s == nil {
		return
	}
	p.record(s, u)
	if p.mode == progressOff {
		return
	}
	elapsed := u.Time.Sub(p.start)
	if u.Time.IsZero() {
		elapsed = time.Since(p.start)
	}
	line := ""
	switch u.Kind {
	case poller.UpdateStatusChange:
		if p.mode == progressLines || u.Status.Terminal() || p.verbose {
			line = p.statusChangeText(u, elapsed)
		}
	case poller.UpdatePoll:
		if p.verbose {
			line = fmt.Sprintf("%s: poll %d: %s, %s (%s)", u.ExecutionID, u.Requests, p.paint(statusOrNotSeen(u.Status)), nextText(u), clock(elapsed))
		}
	case poller.UpdateRetry:
		if p.verbose {
			line = fmt.Sprintf("%s: poll %d failed, %s: %s (%s)", u.ExecutionID, u.Requests, nextText(u), p.excerpt(causeText(u.Err, u.Ref), 200), clock(elapsed))
		}
	case poller.UpdateDone:
		if s.gaveUp && errors.Is(u.Err, poller.ErrStalled) {
			line = fmt.Sprintf("%s: %s (%s)", u.ExecutionID, p.excerpt(stallMessage(u.Err), 200), clock(elapsed))
		} else if s.gaveUp && !isContextEnd(u.Err) {
			line = fmt.Sprintf("%s: gave up: %s (%s)", u.ExecutionID, p.excerpt(causeText(u.Err, u.Ref), 200), clock(elapsed))
		} else if p.verbose && u.Err != nil && isContextEnd(u.Err) {
			line = fmt.Sprintf("%s: stopped: %s (%s)", u.ExecutionID, p.excerpt(errText(u.Err), 200), clock(elapsed))
		}
	}
	if line != "" {
		p.writeLine(line)
	} else if p.mode == progressLive && time.Since(p.lastDraw) >= liveMinGap {
		p.drawLive()
	}
}

// record updates s from u.
func (p *progress) record(s *waitState, u poller.Update) {
	s.status = u.Status
	if u.Kind == poller.UpdateDone {
		s.done = true
		s.gaveUp = !u.Status.Terminal()
	}
}

// isContextEnd reports whether a wait ended because its context did: an
// interrupt, --timeout or --fail-fast. An error of a poll that merely
// wraps context.DeadlineExceeded (a request timing out) is not one.
func isContextEnd(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, errWaitTimeout)
}

// errText is err's text, "no error" for none.
func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// causeText is err for a progress line: its cause first, without the IDs
// that the line shows already.
func causeText(err error, ref poller.Ref) string {
	if err == nil {
		return "no error"
	}
	return causeFirst(err, ref.TaskID, ref.ExecutionID)
}

// nextText says when the next poll comes.
func nextText(u poller.Update) string {
	if u.NextDelay < 0 {
		return "no poll fits before the deadline"
	}
	s := "next poll in " + u.NextDelay.Round(10*time.Millisecond).String()
	if u.FinalPoll {
		s += " (the last before the deadline)"
	}
	return s
}

// statusChangeText is the line for a status change:
// "ID: queued -> running (12s)".
func (p *progress) statusChangeText(u poller.Update, elapsed time.Duration) string {
	var b strings.Builder
	b.WriteString(u.ExecutionID)
	b.WriteString(": ")
	if u.Previous != "" {
		b.WriteString(p.paint(string(u.Previous)))
		b.WriteString(" -> ")
	}
	b.WriteString(p.paint(string(u.Status)))
	if u.Status.Terminal() && u.Status != client.StatusSuccess && u.Execution != nil && u.Execution.ErrorMessage != nil {
		b.WriteString(": ")
		b.WriteString(p.excerpt(*u.Execution.ErrorMessage, 120))
	}
	if !u.Status.Known() {
		b.WriteString(" (undocumented status: still waiting)")
	}
	fmt.Fprintf(&b, " (%s)", clock(elapsed))
	return b.String()
}

// writeLine writes s as a line, above the live line if one is shown.
// p.mu must be held.
func (p *progress) writeLine(s string) {
	if p.mode == progressLive {
		s = "\r\x1b[K" + s + "\n" + p.fit(p.liveText(time.Now()))
		p.liveShown, p.lastDraw = true, time.Now()
	} else {
		s += "\n"
	}
	io.WriteString(p.w, s)
	p.lastWrite = time.Now()
}

// drawLive redraws the live line. p.mu must be held.
func (p *progress) drawLive() {
	io.WriteString(p.w, "\r\x1b[K"+p.fit(p.liveText(time.Now())))
	p.liveShown, p.lastDraw = true, time.Now()
}

// fit cuts the live line s so that it is shorter than the terminal is
// wide (80 columns when the width is not known): a line that wrapped
// could not be redrawn in place.
func (p *progress) fit(s string) string {
	width := p.width()
	if width <= 0 {
		width = 80
	}
	return fitWidth(s, width-1)
}

// fitWidth returns s cut to n visible characters, ending in "..." when
// cut. The color sequences progress writes take no room, and are closed
// when the cut falls after one opens.
func fitWidth(s string, n int) string {
	visible := 0
	for i := 0; i < len(s); {
		if s[i] == '\x1b' {
			if j := strings.IndexByte(s[i:], 'm'); j >= 0 {
				i += j + 1
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		visible++
		i += size
	}
	if visible <= n {
		return s
	}
	var b strings.Builder
	keep, colored := max(n-3, 0), false
	for i, shown := 0, 0; i < len(s) && shown < keep; {
		if s[i] == '\x1b' {
			if j := strings.IndexByte(s[i:], 'm'); j >= 0 {
				seq := s[i : i+j+1]
				b.WriteString(seq)
				colored = seq != "\x1b[0m"
				i += j + 1
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[i : i+size])
		shown++
		i += size
	}
	if colored {
		b.WriteString("\x1b[0m")
	}
	b.WriteString("..."[:min(3, n)])
	return b.String()
}

// liveText is the live line: "waiting: 3 running, 1 queued | done: 2
// success | 12s". p.mu must be held.
func (p *progress) liveText(now time.Time) string {
	waiting, finished := p.counts()
	var b strings.Builder
	if waiting != "" {
		b.WriteString("waiting: " + waiting)
	} else {
		b.WriteString("all finished")
	}
	if finished != "" {
		b.WriteString(" | done: " + finished)
	}
	b.WriteString(" | " + clock(now.Sub(p.start)))
	return b.String()
}

// heartbeatText is the heartbeat line of a log:
// "still waiting: 3 running, 1 queued; 2 of 6 finished (2m0s)".
// p.mu must be held.
func (p *progress) heartbeatText(now time.Time) string {
	waiting, _ := p.counts()
	done := 0
	for _, s := range p.states {
		if s.finished() {
			done++
		}
	}
	if waiting == "" {
		waiting = "nothing"
	}
	return fmt.Sprintf("still waiting: %s; %d of %d finished (%s)", waiting, done, len(p.states), clock(now.Sub(p.start)))
}

// counts returns the executions still waited on and those finished, counted
// by status: "3 running, 1 queued" and "2 success, 1 failure". p.mu must be
// held.
func (p *progress) counts() (waiting, finished string) {
	open, closed := map[string]int{}, map[string]int{}
	for _, s := range p.states {
		if s.finished() {
			closed[s.label()]++
		} else {
			open[s.label()]++
		}
	}
	return p.countText(open, []string{string(client.StatusRunning), string(client.StatusQueued), labelNotSeen}),
		p.countText(closed, []string{string(client.StatusSuccess), string(client.StatusFailure), string(client.StatusTimeout), string(client.StatusCancelled)})
}

// countText formats counts, labels in first first, then the others sorted.
func (p *progress) countText(counts map[string]int, first []string) string {
	var parts []string
	for _, l := range first {
		if n := counts[l]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, p.paint(l)))
			delete(counts, l)
		}
	}
	rest := make([]string, 0, len(counts))
	for l := range counts {
		rest = append(rest, l)
	}
	slices.Sort(rest)
	for _, l := range rest {
		parts = append(parts, fmt.Sprintf("%d %s", counts[l], p.paint(l)))
	}
	return strings.Join(parts, ", ")
}

// statusColor is the ANSI color of a status word in a terminal, "" for
// none.
func statusColor(label string) string {
	switch label {
	case string(client.StatusSuccess):
		return "\x1b[32m" // green
	case string(client.StatusFailure), labelGaveUp:
		return "\x1b[31m" // red
	case string(client.StatusTimeout), string(client.StatusCancelled):
		return "\x1b[33m" // yellow
	case string(client.StatusRunning):
		return "\x1b[36m" // cyan
	}
	return ""
}

// paint colors a status word when color is on. The word may come from the
// API: it goes through the output layer's line seam first.
func (p *progress) paint(label string) string {
	label = p.out.line(label)
	if c := statusColor(label); c != "" && p.color {
		return c + label + "\x1b[0m"
	}
	return label
}

func statusOrNotSeen(s client.Status) string {
	if s == "" {
		return labelNotSeen
	}
	return string(s)
}
