// Package anchortest is a fake Anchor Browser API for tests, demos and users'
// own pipelines, in the manner of net/http/httptest.
//
// A Server answers the endpoints that anchor-wait speaks, with the API's
// JSON shapes and error bodies:
//
//	GET  /v1/task/{taskId}/executions/{executionId}
//	GET  /v1/task/{taskId}/executions
//	POST /v1/task/run
//	GET  /v1/executions/{executionId}
//	POST /v2/tasks/{taskId}/run
//	GET  /v2/tasks/runs/{runId}/status
//
// Executions and v2 runs follow a Script: a timeline of statuses over time,
// counted from the moment the execution or run is added (AddExecution,
// AddRun) or started through a POST.
// Faults make chosen requests fail the way real networks and servers do:
// error statuses with retry hints, delays, dropped connections and garbled
// bodies. Every request is recorded (never the API key) for assertions;
// WithRecordLimit bounds the records for servers that answer millions of
// requests, leaving the counters exact.
//
// NewServer serves real HTTP on a loopback port. NewInMemoryServer serves the
// same handler over in-memory connections, with no sockets, so it can run
// inside a testing/synctest bubble where an hour of fake time passes in
// milliseconds:
//
//	synctest.Test(t, func(t *testing.T) {
//		s := anchortest.NewInMemoryServer()
//		defer s.Close()
//		id := s.AddExecution(taskID, anchortest.Succeed(time.Second, time.Hour, "done"))
//		// poll with s.Client() ...
//	})
package anchortest
