package main

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/anchorwait/anchorwait/client"
)

// maxKeyFileSize bounds what is read from --api-key-file: a key is short,
// and a wrong path (a device, a log) must not be read to the end.
const maxKeyFileSize = 64 * 1024

// loadAPIKey returns the API key: from the file named by --api-key-file
// when given (the file wins over the environment), else from
// ANCHORBROWSER_API_KEY. Surrounding white space, such as the file's final
// newline, is dropped. Reading the file stops when ctx ends (a
// *stoppedError). Other errors are usage errors that never contain the
// key.
func loadAPIKey(ctx context.Context, keyFile string, getenv func(string) string) (string, error) {
	if keyFile == "" {
		key := strings.TrimSpace(getenv(client.EnvAPIKey))
		if key == "" {
			return "", usagef("no API key: set %s or pass --api-key-file FILE", client.EnvAPIKey)
		}
		return key, nil
	}
	b, mode, err := readSmallFile(ctx, keyFile, "--api-key-file", maxKeyFileSize)
	var se *stoppedError
	switch {
	case errors.As(err, &se):
		return "", err
	case err != nil:
		return "", usagef("cannot read --api-key-file %s: %s: want a readable file holding the API key", quotePath(keyFile), osReason(err))
	case mode.IsDir():
		return "", usagef("--api-key-file %s is a directory: want a file holding the API key", quotePath(keyFile))
	case len(b) > maxKeyFileSize:
		return "", usagef("--api-key-file %s is over %d bytes: want a file holding only the API key", quotePath(keyFile), maxKeyFileSize)
	}
	key := strings.TrimSpace(string(b))
	switch {
	case key == "" && mode&fs.ModeNamedPipe != 0:
		return "", usagef("--api-key-file %s is a pipe that gave nothing (nobody wrote to it): want a file holding the API key", quotePath(keyFile))
	case key == "":
		return "", usagef("--api-key-file %s is empty: want the API key on one line", quotePath(keyFile))
	case strings.ContainsAny(key, " \t\r\n"):
		return "", usagef("--api-key-file %s holds more than one word: want only the API key, on one line", quotePath(keyFile))
	}
	return key, nil
}

// osReason is the reason of a file error without the path, which the
// message names already.
func osReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return oneLine(err.Error())
}
