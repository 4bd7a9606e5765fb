package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/anchorwait/anchorwait/client"
)

// maxKeyFileSize bounds what is read from --api-key-file: a key is short,
// and a wrong path (a device, a log) must not be read to the end.
const maxKeyFileSize = 64 * 1024

// loadAPIKey returns the API key: from the file named by --api-key-file
// when given (the file wins over the environment), else from
// ANCHORBROWSER_API_KEY. Surrounding white space, such as the file's final
// newline, is dropped. Errors are usage errors that never contain the key.
func loadAPIKey(keyFile string, getenv func(string) string) (string, error) {
	if keyFile == "" {
		key := strings.TrimSpace(getenv(client.EnvAPIKey))
		if key == "" {
			return "", usagef("no API key: set %s or pass --api-key-file FILE", client.EnvAPIKey)
		}
		return key, nil
	}
	f, err := os.Open(keyFile)
	if err != nil {
		return "", usagef("cannot read --api-key-file %s: %s: want a readable file holding the API key", quotePath(keyFile), osReason(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return "", usagef("--api-key-file %s is a directory: want a file holding the API key", quotePath(keyFile))
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return "", usagef("cannot read --api-key-file %s: %s: want a readable file holding the API key", quotePath(keyFile), osReason(err))
	}
	if len(b) > maxKeyFileSize {
		return "", usagef("--api-key-file %s is over %d bytes: want a file holding only the API key", quotePath(keyFile), maxKeyFileSize)
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", usagef("--api-key-file %s is empty: want the API key on one line", quotePath(keyFile))
	}
	if strings.ContainsAny(key, " \t\r\n") {
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
