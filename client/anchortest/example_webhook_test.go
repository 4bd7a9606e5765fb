package anchortest_test

import (
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/anchorwait/anchorwait/client/anchortest"
	"github.com/anchorwait/anchorwait/webhook"
)

// With WithWebhook the server delivers a signed event when an execution
// ends, as Anchor does; here to a webhook.Receiver on loopback.
func ExampleWithWebhook() {
	secret := []byte("whsec_example")
	events := make(chan webhook.Event, 1)
	rv, err := webhook.NewReceiver(secret, func(ev webhook.Event) { events <- ev })
	if err != nil {
		fmt.Println(err)
		return
	}
	receiver := httptest.NewServer(rv)
	defer receiver.Close()

	s := anchortest.NewServer(anchortest.WithWebhook(anchortest.Webhook{URL: receiver.URL + "/hooks/anchor", Secret: secret}))
	defer s.Close()
	id := s.AddExecution(taskID, anchortest.Fail(0, 10*time.Millisecond, "the page did not load"))

	ev := <-events // 10 ms, then the 200 ms delay
	fmt.Println(ev.Type, ev.Mentions(id))
	s.Close() // waits for the attempt to be answered and recorded
	d := s.Deliveries()[0]
	fmt.Println(d.Attempt, d.Status, d.EventID == ev.ID)
	// Output:
	// task.failed true
	// 1 200 true
}
