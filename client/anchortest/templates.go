package anchortest

// WithTemplateFunc sets the script of each execution that POST
// /v1/task/run starts, and of each run that POST /v2/tasks/{taskId}/run
// starts, to script(n), where n counts the executions and runs the server
// has started, from 1, in the order the requests were taken. It overrides
// WithTemplate. script is called once per start, one call at a time, and
// must not call the server.
//
// It serves a fake whose executions end in mixed ways, such as every
// fourth one failing:
//
//	anchortest.WithTemplateFunc(func(n int) anchortest.Script {
//		if n%4 == 0 {
//			return anchortest.Fail(time.Second, 3*time.Second, "selector not found")
//		}
//		return anchortest.DefaultTemplate()
//	})
func WithTemplateFunc(script func(n int) Script) Option {
	return func(c *config) { c.templateFunc = script }
}

// nextTemplate returns the timeline of the next execution or run the
// server starts.
func (s *Server) nextTemplate() *timeline {
	if s.templateFunc == nil {
		return s.template
	}
	s.templateMu.Lock()
	defer s.templateMu.Unlock()
	s.starts++
	return compile(s.templateFunc(s.starts))
}
