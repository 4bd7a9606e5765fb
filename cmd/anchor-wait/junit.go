package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// The JUnit XML report: one test suite per run, one test case per
// execution. An execution that ended failure, timeout or cancelled has a
// <failure>; one the wait could not see to its end (API error, --timeout,
// interrupt) has an <error>; one --fail-fast stopped is <skipped>. A task
// that could not be started is a test case with an <error> too.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// junitReport builds the report of a run that started at start and lasted
// elapsed. A task that could not be started (sf not nil) is an errored
// test case of its own. The API's text goes through o's seams: messages on
// one line, the output and error texts line by line; a text that the
// result keeps only the start of says where it is cut.
func junitReport(o *output, results []result, start time.Time, elapsed time.Duration, sf *startFailure) junitSuites {
	suite := junitSuite{Name: "anchor-wait", Time: seconds(elapsed)}
	if !start.IsZero() {
		suite.Timestamp = start.UTC().Format("2006-01-02T15:04:05")
	}
	for _, r := range results {
		c := junitCase{Name: r.ExecutionID, Classname: r.junitClass(), Time: "0"}
		if r.ExecutionTime != nil {
			c.Time = millisToSeconds(*r.ExecutionTime)
		}
		if r.Output != nil {
			c.SystemOut = junitText(o, *r.Output, r.outputBytes)
		}
		switch r.outcome {
		case outcomeFailure, outcomeTimeout, outcomeCancelled:
			msg := "execution ended " + o.line(string(r.Status))
			text := ""
			if r.ErrorMessage != nil {
				text = junitText(o, *r.ErrorMessage, r.errorBytes)
				msg += ": " + o.excerpt(*r.ErrorMessage, 200)
			}
			c.Failure = &junitProblem{Message: msg, Type: o.line(string(r.Status)), Text: text}
			suite.Failures++
		case outcomeStopped:
			c.Skipped = &junitProblem{Message: o.line(r.detail())}
			suite.Skipped++
		case outcomeSuccess:
		default:
			c.Error = &junitProblem{Message: o.excerpt(r.detail(), 200), Type: r.outcome.String(), Text: o.lines(r.detail())}
			suite.Errors++
		}
		suite.Cases = append(suite.Cases, c)
	}
	if sf != nil {
		suite.Cases = append(suite.Cases, junitCase{
			Name: sf.caseName(), Classname: "anchor-wait.task." + sf.taskID, Time: "0",
			Error: &junitProblem{Message: o.excerpt(sf.message, 200), Type: "start-" + statusWord(sf.code), Text: o.lines(sf.message)},
		})
		suite.Errors++
	}
	suite.Tests = len(suite.Cases)
	return junitSuites{
		Name: "anchor-wait", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Skipped: suite.Skipped, Time: suite.Time, Suites: []junitSuite{suite},
	}
}

// junitText is an output or error message for the report, through o's
// lines seam; full is the size the API sent when text is only its start
// (see result.keepExcerpts), and a line then says so.
func junitText(o *output, text string, full int) string {
	s := o.lines(text)
	if full > 0 {
		s += fmt.Sprintf("\n[cut at %d KiB of %d KiB: --output json holds all of it]", keptBytes>>10, (full+1023)>>10)
	}
	return s
}

// junitXML is the JUnit report as an XML document.
func junitXML(o *output, results []result, start time.Time, elapsed time.Duration, sf *startFailure) string {
	var buf bytes.Buffer
	if err := writeJUnit(&buf, junitReport(o, results, start, elapsed, sf)); err != nil {
		return "" // encoding a report of strings cannot fail
	}
	return buf.String()
}

// seconds formats d as JUnit wants it: seconds with millisecond precision.
func seconds(d time.Duration) string {
	return millisToSeconds(float64(d) / float64(time.Millisecond))
}

// millisToSeconds formats a duration in milliseconds as JUnit seconds. The
// schema allows no negative time: a server whose clock is off can report
// one, so it is written as 0 (the result's executionTime keeps the value);
// an absurdly long one is written as maxShownDuration, not as hundreds of
// digits.
func millisToSeconds(ms float64) string {
	if !(ms > 0) || math.IsInf(ms, 1) {
		ms = 0
	}
	ms = min(ms, float64(maxShownDuration/time.Millisecond))
	return strconv.FormatFloat(ms/1000, 'f', 3, 64)
}

// writeJUnit writes the report as an XML document to w.
func writeJUnit(w io.Writer, report junitSuites) error {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(report); err != nil {
		return fmt.Errorf("encode JUnit report: %w", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}
