package main

import (
	"os"
	"path/filepath"

	"github.com/anchorwait/anchorwait/client"
)

// --output-dir DIR writes each execution's whole output, and its error
// message when it has one, to files of their own, as each wait ends:
//
//	DIR/EXECUTION_ID.output   the output, byte-exact as the API sent it
//	DIR/EXECUTION_ID.error    the errorMessage, when it is not null
//
// (for a v2 run, RUN_ID.output and RUN_ID.error: its result and error).
// The name is the ID that anchor-wait itself asked for, checked again (an
// execution ID as a UUID in lower case, a run ID as 1 to 128 characters of
// A-Z a-z 0-9 - _), never a name the server sent: no path, dot or
// separator of the server's can reach the file system. Each
// file is written to a temporary file in DIR and renamed into place, so a
// reader never sees half of one and a named pipe or a link left at the
// path is replaced rather than written through. The API key is blanked
// out of what is written; nothing else is changed, so the files are the
// data for programs to read, not text for a log (workflow commands in an
// output would act if the file were printed in a GitHub Actions step).

// Suffixes of the files of --output-dir.
const (
	outputSuffix = ".output"
	errorSuffix  = ".error"
)

// outputDir is where --output-dir writes. It is safe for concurrent use:
// each file is written and renamed on its own.
type outputDir struct {
	path string
}

// openOutputDir makes the directory path (and its parents) if need be and
// checks that files can be written there, before any request; its errors
// are usage errors naming the path.
func openOutputDir(path string) (*outputDir, error) {
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		kind := fileKind(st.Mode())
		if st.Mode().IsRegular() {
			kind = "a file"
		}
		return nil, usagef("--output-dir %s is %s: want a directory, or a path where one can be made", quotePath(path), kind)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, usagef("cannot make --output-dir %s: %s: want a path where a directory can be made", quotePath(path), osReason(err))
	}
	f, err := os.CreateTemp(path, ".anchor-wait-check-*")
	if err != nil {
		return nil, usagef("cannot write in --output-dir %s: %s: want a writable directory", quotePath(path), osReason(err))
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return &outputDir{path: path}, nil
}

// save writes the output and the error message of execution (or, when
// run is set, v2 run) id, as the API sent them, to their files, whichever
// are not null. A failure is recorded in o (the run then exits 8). Nothing
// happens when d is nil.
func (d *outputDir) save(o *output, id string, run bool, out, errMsg *string) {
	if d == nil || (out == nil && errMsg == nil) {
		return
	}
	kind := "execution"
	checked, err := client.ParseID(kind, id)
	if run {
		kind = "run"
		checked, err = client.ParseRunID(id)
	}
	if err != nil { // not a name to give a file: never the case for IDs anchor-wait checked
		o.fail("the output of "+kind+" "+o.line(id), quotePath(d.path), err)
		return
	}
	for _, f := range []struct {
		what, suffix string
		text         *string
	}{
		{"the output of " + kind + " " + checked, outputSuffix, out},
		{"the error message of " + kind + " " + checked, errorSuffix, errMsg},
	} {
		if f.text == nil {
			continue
		}
		path := filepath.Join(d.path, checked+f.suffix)
		if err := writeFileAtomic(path, []byte(o.redact(*f.text)), false); err != nil {
			o.fail(f.what, quotePath(path), err)
		}
	}
}
