package anchorwait

import (
	"testing"

	"github.com/anchorwait/anchorwait/client"
)

// TestWideClientShared: pollers allowing more requests than the shared
// transport's connections share one wider client, rebuilt only for a larger
// bound or a new environment, instead of a new transport (and its idle
// connections) per call.
func TestWideClientShared(t *testing.T) {
	t.Setenv(client.EnvAPIKey, "wide-client-test-key-0123")
	t.Setenv(client.EnvBaseURL, "http://127.0.0.1:1")
	if _, _, err := setup(); err != nil {
		t.Fatal(err)
	}
	c100, err := wideClient(100)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := wideClient(80); again != c100 {
		t.Errorf("wideClient(80) after wideClient(100) built a new client, want the same")
	}
	if again, _ := wideClient(100); again != c100 {
		t.Errorf("wideClient(100) twice built two clients, want one")
	}
	c200, _ := wideClient(200)
	if c200 == c100 {
		t.Errorf("wideClient(200) reused the client sized for 100, want a wider one")
	}
	t.Setenv(client.EnvBaseURL, "http://127.0.0.1:2")
	if _, _, err := setup(); err != nil {
		t.Fatal(err)
	}
	c, _ := wideClient(100)
	if c == c200 || c.BaseURL() != "http://127.0.0.1:2" {
		t.Errorf("after the environment changed, wideClient gave %p at %s, want a new one at http://127.0.0.1:2", c, c.BaseURL())
	}
}
