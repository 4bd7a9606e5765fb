package anchortest

import (
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// apiKeyHeader is the header the API reads the key from.
const apiKeyHeader = "anchor-api-key"

// apiKeyHeaderKey is apiKeyHeader in canonical form, which Header.Get finds
// without allocating a canonical copy of the name on every request.
const apiKeyHeaderKey = "Anchor-Api-Key"

// exchange is one request being answered.
type exchange struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	body    []byte // the request body, read whole
	bodyErr error  // why the body could not be read
	req     Request
	fault   *Fault     // the fault shaping the answer, or nil
	exec    *execution // the execution the request named, once looked up
}

// serveHTTP answers one request: latency, server-wide faults, the API key,
// the route, then the endpoint.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		writeError(w, http.StatusServiceUnavailable, "The server is shutting down")
		return
	}
	s.handlers.Add(1)
	s.closeMu.RUnlock()
	defer s.handlers.Done()

	x := &exchange{s: s, w: w, r: r}
	x.req = Request{Seq: s.rec.begin(), Time: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
	defer x.finish()

	// Read the body first: net/http notices a client that hangs up, and
	// cancels the request's context, only once the body has been read.
	if r.Body != nil && r.Body != http.NoBody {
		x.body, x.bodyErr = io.ReadAll(http.MaxBytesReader(w, r.Body, maxRunBody))
	}
	x.req.Auth = s.checkKey(r.Header.Get(apiKeyHeaderKey))
	rt := route(r.URL.Path)
	op, method := rt.op, rt.method
	x.req.Op, x.req.TaskID, x.req.ExecutionID, x.req.RunID = op, canonicalID(rt.taskID), canonicalID(rt.execID), rt.runID

	if !x.wait(s.latency) {
		return
	}
	if f := matchFault(s.faults, x.req.Seq, time.Since(s.started), op); f != nil && x.useFault(f) {
		return
	}
	switch x.req.Auth {
	case AuthMissing:
		x.sendError(http.StatusUnauthorized, "Missing API key: send it in the "+apiKeyHeader+" header")
		return
	case AuthWrong:
		x.sendError(http.StatusUnauthorized, "Invalid API key")
		return
	}
	if rl := s.rateLimit; rl != nil && !rl.admit(w.Header(), time.Now()) {
		x.sendError(http.StatusTooManyRequests, "Rate limit exceeded: slow down")
		return
	}
	switch {
	case op == "":
		x.sendError(http.StatusNotFound, fmt.Sprintf("No route for %s %s", r.Method, r.URL.Path))
		return
	case r.Method != method:
		w.Header().Set("Allow", method)
		x.sendError(http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not allowed on %s: use %s", r.Method, r.URL.Path, method))
		return
	}
	switch op {
	case OpGetExecution:
		x.getExecution(rt.taskID, rt.execID)
	case OpListExecutions:
		x.listExecutions(rt.taskID)
	case OpRunTask:
		x.runTask()
	case OpGetExecutionByID:
		x.getExecutionByID(rt.execID)
	case OpRunTaskV2:
		x.runTaskV2(rt.taskID)
	case OpGetRun:
		x.getRun(rt.runID)
	}
}

// checkKey compares the key given with the server's in constant time.
func (s *Server) checkKey(got string) Auth {
	switch {
	case got == "":
		return AuthMissing
	case subtle.ConstantTimeCompare([]byte(got), []byte(s.apiKey)) == 1:
		return AuthOK
	}
	return AuthWrong
}

// endpoint is what a request path names: the operation, its IDs and the
// method it takes. op is "" for a path that names no endpoint.
type endpoint struct {
	op                    Operation
	taskID, execID, runID string
	method                string
}

// route splits a path into the endpoint it names.
func route(path string) endpoint {
	if rest, ok := strings.CutPrefix(path, "/v1/executions/"); ok {
		if rest == "" || strings.Contains(rest, "/") {
			return endpoint{}
		}
		return endpoint{op: OpGetExecutionByID, execID: rest, method: http.MethodGet}
	}
	if rest, ok := strings.CutPrefix(path, "/v2/tasks/"); ok {
		if runID, ok := strings.CutPrefix(rest, "runs/"); ok {
			if runID, ok = strings.CutSuffix(runID, "/status"); ok && runID != "" && !strings.Contains(runID, "/") {
				return endpoint{op: OpGetRun, runID: runID, method: http.MethodGet}
			}
		}
		if taskID, ok := strings.CutSuffix(rest, "/run"); ok && taskID != "" && !strings.Contains(taskID, "/") {
			return endpoint{op: OpRunTaskV2, taskID: taskID, method: http.MethodPost}
		}
		return endpoint{}
	}
	rest, ok := strings.CutPrefix(path, "/v1/task/")
	if !ok {
		return endpoint{}
	}
	if rest == "run" {
		return endpoint{op: OpRunTask, method: http.MethodPost}
	}
	taskID, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return endpoint{}
	}
	if rest == "executions" {
		return endpoint{op: OpListExecutions, taskID: taskID, method: http.MethodGet}
	}
	execID, ok := strings.CutPrefix(rest, "executions/")
	if !ok || strings.Contains(execID, "/") {
		return endpoint{}
	}
	return endpoint{op: OpGetExecution, taskID: taskID, execID: execID, method: http.MethodGet}
}

// checkIDs answers 400 and returns false when an ID is not a UUID.
func (x *exchange) checkIDs(ids ...[2]string) bool {
	for _, id := range ids {
		if !validID(id[1]) {
			x.sendError(http.StatusBadRequest, fmt.Sprintf("Invalid %s %q: must be a UUID", id[0], id[1]))
			return false
		}
	}
	return true
}

// wait waits for d and returns true, or false when the exchange ended
// first: the client gave up (nothing is answered), or the server is closing
// (503 is answered).
func (x *exchange) wait(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-x.r.Context().Done():
		if x.s.baseCtx.Err() == nil {
			return false // the client is gone: no one to answer
		}
	case <-x.s.baseCtx.Done():
	}
	x.fault = nil
	x.sendError(http.StatusServiceUnavailable, "The server is shutting down")
	return false
}

// useFault applies f: its delay, then a dropped connection or an error
// answer. It returns true when that ended the exchange; otherwise f's header
// and body changes wait for the normal answer.
func (x *exchange) useFault(f *Fault) bool {
	x.fault = f
	x.req.Fault = true
	if !x.wait(f.Delay) {
		return true
	}
	switch {
	case f.Drop == DropConnection:
		x.drop()
		return true
	case f.Status == 0:
		return false
	case f.Status < 200 || f.Status > 599:
		x.fault = nil
		x.sendError(http.StatusInternalServerError, fmt.Sprintf("anchortest: fault status %d is not an HTTP status: want 200 to 599", f.Status))
		return true
	}
	x.sendError(f.Status, http.StatusText(f.Status))
	return true
}

// drop closes the connection without answering.
func (x *exchange) drop() {
	conn, _, err := http.NewResponseController(x.w).Hijack()
	if err != nil {
		x.fault = nil
		x.sendError(http.StatusBadGateway, "anchortest: cannot drop the connection: "+err.Error())
		return
	}
	_ = conn.Close()
}

// sendError answers with the API's error body.
func (x *exchange) sendError(status int, message string) {
	x.send(status, errorBody(status, message))
}

// send answers with status and a JSON body, as the fault in force (if any)
// changes them.
func (x *exchange) send(status int, body []byte) {
	h := x.w.Header()
	contentType := "application/json"
	f := x.fault
	if f != nil {
		for k, vs := range f.Header {
			for _, v := range vs {
				h.Add(k, v)
			}
		}
		if f.RetryAfterDate > 0 {
			// Round up, so the wait the date gives is never shorter than asked.
			at := time.Now().Add(f.RetryAfterDate + time.Second - 1).Truncate(time.Second)
			h.Set("Retry-After", at.UTC().Format(http.TimeFormat))
		}
		contentType, body = f.Body.apply(contentType, body)
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	x.w.WriteHeader(status)
	x.req.Status = status
	if f != nil && f.Drop == DropMidBody {
		_, _ = x.w.Write(body[:len(body)/2])
		rc := http.NewResponseController(x.w)
		_ = rc.Flush()
		if conn, _, err := rc.Hijack(); err == nil {
			_ = conn.Close()
		}
		// Without hijacking, net/http closes a connection whose body is
		// shorter than its Content-Length anyway.
		return
	}
	_, _ = x.w.Write(body)
}

// finish counts and records the exchange, and logs it.
func (x *exchange) finish() {
	x.req.Duration = time.Since(x.req.Time)
	if x.req.ExecutionID != "" || x.req.RunID != "" {
		e := x.exec
		switch {
		case e != nil:
		case x.req.RunID != "":
			e = x.s.store.run(x.req.RunID)
		default: // answered before any lookup, or the execution is not the task's
			e = x.s.store.byID(x.req.ExecutionID)
		}
		if e != nil {
			e.ended.Add(1)
		}
	}
	x.s.rec.end(&x.req)
	if l := x.s.logger; l != nil {
		l.LogAttrs(x.r.Context(), slog.LevelInfo, "request",
			slog.String("method", x.req.Method),
			slog.String("path", x.req.Path),
			slog.Int("status", x.req.Status),
			slog.Duration("took", x.req.Duration),
			slog.String("auth", x.req.Auth.String()),
			slog.Bool("fault", x.req.Fault))
	}
}

// writeError answers with the API's error body, outside any exchange.
func writeError(w http.ResponseWriter, status int, message string) {
	body := errorBody(status, message)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
