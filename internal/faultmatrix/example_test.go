package faultmatrix_test

import (
	"fmt"
	"net/http"

	"github.com/anchorwait/anchorwait/client"
	"github.com/anchorwait/anchorwait/internal/faultmatrix"
)

// A harness judges a library-mode wait by the class of its error.
func ExampleErrClass_Match() {
	err := fmt.Errorf("wait for execution x: %w", &client.APIError{StatusCode: http.StatusForbidden})
	for _, class := range []faultmatrix.ErrClass{faultmatrix.Unauthorized, faultmatrix.NotFound, faultmatrix.APIStatus(http.StatusForbidden), faultmatrix.NoError} {
		fmt.Printf("%v: %v\n", class, class.Match(err))
	}
	// Output:
	// client.ErrUnauthorized: true
	// client.ErrNotFound: false
	// *client.APIError 403: true
	// nil: false
}

// Each case says, per mode, how to set up the fake and what to expect.
func ExampleCase_In() {
	for _, c := range faultmatrix.Cases() {
		if c.Name != "403-forbidden" {
			continue
		}
		lib, cli := c.In(faultmatrix.Library), c.In(faultmatrix.CLI)
		fmt.Printf("%s: library %v, %d request; CLI exit %d\n", c.Name, lib.Want.Err, lib.Want.MaxRequests, cli.Want.Exit)
	}
	// Output:
	// 403-forbidden: library client.ErrUnauthorized, 1 request; CLI exit 4
}
