// Package policybench measures how well poll schedules wait for Anchor task
// executions: the Poller's against those of peer tools (kubectl, gh, the
// AWS, Google Cloud and Azure SDKs), on workloads of at least ten thousand
// executions, by requests per execution and by how long after an
// execution's end its waiter notices. It holds benchmarks only:
//
//	go test ./internal/policybench -run '^$' -bench Policy -benchtime=1x
//	go test ./internal/policybench -run '^$' -bench Scale -benchtime=1x
//
// See docs/benchmarks.md for the method and the latest figures.
package policybench
