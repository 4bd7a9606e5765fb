package webhook_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/anchorwait/anchorwait/webhook"
)

// A service mounts a Receiver and learns which execution an event may
// concern, then polls that execution: the event is a hint, the poll the
// truth.
func ExampleNewReceiver() {
	secret := []byte("whsec_example") // what Anchor showed when the webhook was made, e.g. from $ANCHORBROWSER_WEBHOOK_SECRET
	const execID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
	hints := make(chan webhook.Event, 1)
	rv, err := webhook.NewReceiver(secret, func(ev webhook.Event) {
		select {
		case hints <- ev: // must return quickly: never block here
		default:
		}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("POST /anchor/webhook", rv)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// Anchor's side of it: a signed delivery.
	body := []byte(`{"id":"evt_01","type":"task.completed","data":{"session_dashboard_url":"https://app.anchorbrowser.io/executions/` + execID + `"}}`)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/anchor/webhook", bytes.NewReader(body))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, time.Now(), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()

	ev := <-hints
	fmt.Println(resp.StatusCode, ev.ID, ev.Type)
	fmt.Println("concerns", execID+":", ev.Mentions(execID))
	// Output:
	// 200 evt_01 task.completed
	// concerns 3c90c3cc-0d44-4b50-8888-8dd25736052a: true
}

// Tokens lets a waiter with many executions find those an event may
// concern by looking each token up in its own set, whatever field names
// them.
func ExampleEvent_Tokens() {
	ev, err := webhook.ParseEvent([]byte(`{"id":"evt_02","type":"task.failed","data":{"error":{"type":"timeout"},"recording_url":"https://cdn.example/rec/7F0C2A1E-1111-4222-8333-944444444444.mp4"}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	waiting := map[string]bool{"7f0c2a1e-1111-4222-8333-944444444444": true, "3c90c3cc-0d44-4b50-8888-8dd25736052a": true}
	for _, tok := range ev.Tokens() {
		if waiting[tok] {
			fmt.Println("poll", tok, "now")
		}
	}
	// Output: poll 7f0c2a1e-1111-4222-8333-944444444444 now
}
