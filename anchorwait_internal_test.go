package anchorwait

import (
	"strings"
	"testing"

	"github.com/anchorwait/anchorwait/client"
)

// TestSetupErrors checks what a bad environment gives: an error that says
// what is wrong, without the key.
func TestSetupErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no key", nil, client.EnvAPIKey},
		{"insecure URL", map[string]string{client.EnvAPIKey: "sk-secret-key-5678", client.EnvBaseURL: "http://api.example.com"}, "insecure"},
		{"bad port", map[string]string{client.EnvAPIKey: "sk-secret-key-5678", client.EnvBaseURL: "http://127.0.0.1:99999"}, "port 99999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := newSetup(func(k string) string { return tt.env[k] })
			if err == nil || s != nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("newSetup = %v, %v; want an error mentioning %q", s, err, tt.want)
			}
			if key := tt.env[client.EnvAPIKey]; key != "" && strings.Contains(err.Error(), key) {
				t.Errorf("error %q shows the API key", err)
			}
		})
	}
}
