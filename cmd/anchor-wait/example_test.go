package main

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// A bad execution ID is refused before any request, with exit code 2 and
// one line saying what is expected.
func Example_badID() {
	env := func(k string) string { return map[string]string{"ANCHORBROWSER_API_KEY": "sk-example-key"}[k] }
	code := run(context.Background(), []string{"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "12345"},
		strings.NewReader(""), os.Stdout, os.Stdout, env)
	fmt.Println("exit code", code)
	// Output:
	// anchor-wait: execution ID "12345" is not a UUID: want 36 characters such as 3c90c3cc-0d44-4b50-8888-8dd25736052a
	// exit code 2
}
