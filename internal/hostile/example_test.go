package hostile_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/anchorwait/anchorwait/internal/hostile"
)

// A server that answers with the request's headers as its status line:
// net/http's error then quotes the API key.
func Example() {
	srv := hostile.NewServer(hostile.EchoHeaders(hostile.InStatusLine))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()

	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/v1/task/t/executions/e", nil)
	req.Header.Set("anchor-api-key", "sk-secret")
	_, err := (&http.Client{Transport: tr}).Do(req)
	fmt.Println(strings.Contains(err.Error(), `malformed HTTP status code "`), strings.Contains(err.Error(), "sk-secret"))
	fmt.Printf("%+v\n", srv.Requests())
	// Output:
	// true true
	// [{Conn:0 TLS:false Method:GET Target:/v1/task/t/executions/e HasKey:true}]
}

// A valid running execution, then bytes nobody asked for on the idle
// connection: here the request's headers, key included. net/http logs them
// through the standard log package.
func ExampleUnsolicited() {
	logged := make(chan string, 1)
	log.SetOutput(writerFunc(func(p []byte) (int, error) {
		select {
		case logged <- string(p):
		default:
		}
		return len(p), nil
	}))
	defer log.SetOutput(os.Stderr)

	running := hostile.Response(200, hostile.Execution{ID: "0b9a3c2e-4d5f-4a6b-8c7d-9e0f1a2b3c4d"}.JSON())
	srv := hostile.NewServer(hostile.Echo(func(head string) hostile.Behaviour {
		return hostile.Unsolicited(running, head)
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()

	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/v1/task/t/executions/e", nil)
	req.Header.Set("anchor-api-key", "sk-secret")
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, strings.Contains(string(body), `"status":"running"`))
	select {
	case line := <-logged:
		fmt.Println(strings.Contains(line, "Unsolicited response received on idle HTTP channel"), strings.Contains(line, "sk-secret"))
	case <-time.After(10 * time.Second):
		fmt.Println("nothing logged")
	}
	// Output:
	// 200 true
	// true true
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
