package anchortest

import (
	"context"
	"testing"

	"github.com/anchorwait/anchorwait/client"
)

// TestWithTemplateFunc: the nth execution started gets the nth script, n
// counting every start of the server, and overrides WithTemplate.
func TestWithTemplateFunc(t *testing.T) {
	var asked []int
	s := NewServer(WithTemplate(Finish(client.StatusCancelled, 0, 0)), WithTemplateFunc(func(n int) Script {
		asked = append(asked, n)
		if n%2 == 0 {
			return Finish(client.StatusFailure, 0, 0)
		}
		return Succeed(0, 0, "ok")
	}))
	defer s.Close()
	c := s.Client()
	ctx := context.Background()
	want := []client.Status{client.StatusSuccess, client.StatusFailure, client.StatusSuccess, client.StatusFailure}
	for i, w := range want {
		res, err := c.RunTask(ctx, client.RunTaskRequest{TaskID: taskA, Async: true})
		if err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
		e, err := c.GetExecution(ctx, taskA, res.ExecutionResultID)
		if err != nil {
			t.Fatalf("execution %d: %v", i+1, err)
		}
		if e.Status != w {
			t.Errorf("execution %d ended %s, want %s", i+1, e.Status, w)
		}
	}
	if len(asked) != 4 || asked[0] != 1 || asked[3] != 4 {
		t.Errorf("the script was asked for starts %v, want 1 to 4", asked)
	}
}
