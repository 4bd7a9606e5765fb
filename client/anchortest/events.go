package anchortest

import (
	"encoding/json"

	"github.com/anchorwait/anchorwait/client"
)

// dashboardURL is where the fake's events say an execution's session and
// recording are; the paths end in the execution ID.
const dashboardURL = "https://app.anchorbrowser.io"

// eventEnvelope is the body of a webhook event, fields in Anchor's order.
type eventEnvelope struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Created   string    `json:"created"`
	ProjectID string    `json:"project_id"`
	Text      string    `json:"text"`
	Data      eventData `json:"data"`
}

// eventData is the data of a task event. Anchor documents artifacts,
// recording_url and session_dashboard_url (and error.type for
// task.failed); which field names the execution it does not, so
// task_id, execution_id, run_id and status are this fake's choice.
type eventData struct {
	TaskID              string      `json:"task_id"`
	ExecutionID         string      `json:"execution_id,omitempty"`
	RunID               string      `json:"run_id,omitempty"`
	Status              string      `json:"status"`
	Error               *eventError `json:"error,omitempty"`
	Artifacts           []string    `json:"artifacts"`
	RecordingURL        string      `json:"recording_url"`
	SessionDashboardURL string      `json:"session_dashboard_url"`
}

type eventError struct {
	Type string `json:"type"`
}

// eventBody returns the type and the JSON body of the event for ev, with
// envelope ID id.
func eventBody(ev *pendingEvent, id, projectID string) (string, []byte) {
	env := eventEnvelope{
		ID:        id,
		Created:   ev.at.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		ProjectID: projectID,
		Data: eventData{
			TaskID:              ev.taskID,
			Status:              string(ev.status),
			Artifacts:           []string{},
			RecordingURL:        dashboardURL + "/recordings/" + ev.id,
			SessionDashboardURL: dashboardURL + "/executions/" + ev.id,
		},
	}
	if ev.kind == kindRun {
		env.Data.RunID = ev.id
	} else {
		env.Data.ExecutionID = ev.id
	}
	switch ev.status {
	case client.StatusSuccess:
		env.Type, env.Text = "task.completed", "Task execution completed"
	case client.StatusTimeout:
		env.Type, env.Text = "task.failed", "Task execution timed out"
		env.Data.Error = &eventError{Type: "timeout"}
	case client.StatusCancelled:
		env.Type, env.Text = "task.cancelled", "Task execution cancelled"
	default: // failure, and any final status the API may add
		env.Type, env.Text = "task.failed", "Task execution failed"
		env.Data.Error = &eventError{Type: "automation_failure"}
	}
	b, _ := json.Marshal(env) // strings and slices only: it cannot fail
	return env.Type, b
}
