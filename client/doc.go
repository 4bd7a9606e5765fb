// Package client is a typed client for the part of the Anchor Browser API
// that starts task runs and reports how they went: GetExecution (the call to
// poll), GetExecutionByID (the same without a task ID), ListExecutions and
// RunTask; and for v2 runs, RunTaskV2 and GetRun (the call to poll).
//
// A Client is built once, with New or NewFromEnv, and shared: it is safe for
// concurrent use, sends each request under its own timeout, retries transient
// failures the way the official SDKs do (connection errors, 408, 409, 429 and
// 5xx, honouring retry-after-ms, Retry-After and x-should-retry), reads bodies
// through a size cap, and refuses IDs that are not UUIDs (or, for runs, not
// safe path segments) before sending anything. HTTP error responses become
// *APIError values, which match ErrNotFound, ErrUnauthorized and
// ErrRateLimited under errors.Is.
//
// Answers are decoded in one pass, with member names matched exactly (never
// by case). What decides an outcome is strict: the "data" envelope, the IDs
// (an answer for another execution than the one asked for is refused) and
// the status; missing, null, of another type or given twice, they make the
// answer a bad response (ErrBadResponse). Every other field is lenient: a
// value of the wrong type or out of range is left at its zero value and
// named in the result's Unreadable list, and Raw keeps the object byte for
// byte. Timestamps are RFC 3339, lower-case "t" and "z" and leap seconds
// included. API data comes back as the server sent it, never redacted.
//
// The API key is sent only in the anchor-api-key header, only over https or
// plain http to a loopback address, and never appears in an error or a log
// the client makes. One log is not the client's: net/http itself writes,
// through the standard log package, a line about bytes a server sends
// unasked on an idle connection, and those bytes are the server's (they may
// echo the key). A program whose standard log is read by others should set
// its output (log.SetOutput) to a writer that redacts, as anchor-wait does.
//
// Waiting for an execution to finish is the job of package poller; package
// anchortest is a fake of this API for tests.
package client
