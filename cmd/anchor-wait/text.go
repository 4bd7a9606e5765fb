package main

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// How many characters of an output or error message the text table shows;
// why a wait failed is shown at more length.
const (
	detailWidth      = 60
	errorDetailWidth = 200
)

// writeText writes results as a table, one row per execution: its ID, the
// status, Anchor's executionTime (EXEC TIME), how long anchor-wait waited
// (WAITED), the polls and the most telling detail; then a closing line of
// counts and durations. No results, no table. Text from the API goes
// through o's seams.
func writeText(o *output, w io.Writer, results []result) error {
	if len(results) == 0 {
		return nil
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, idColumn(results)+"\tSTATUS\tEXEC TIME\tWAITED\tPOLLS\tDETAIL")
	for _, r := range results {
		status := o.line(string(r.Status))
		if status == "" {
			status = "-"
		}
		width := detailWidth
		if r.Error != nil {
			width = errorDetailWidth
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", r.ExecutionID, status, r.duration(), r.waitedText(), r.Polls, o.excerpt(r.detail(), width))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	buf.WriteString(closingLine(results) + "\n" + runNote(results))
	_, err := w.Write(buf.Bytes())
	return err
}

// closingLine sums up the results: "5 executions: 4 success, 1 failure;
// exec time min 1.2s, median 2.5s, max 7s".
func closingLine(results []result) string {
	s := thingsOf(results)(len(results)) + ": " + finishedCounts(results)
	var times []float64
	for _, r := range results {
		if r.ExecutionTime != nil && *r.ExecutionTime >= 0 {
			times = append(times, *r.ExecutionTime)
		}
	}
	if len(times) == 0 {
		return s
	}
	slices.Sort(times)
	median := times[len(times)/2]
	if len(times)%2 == 0 {
		median = (times[len(times)/2-1] + median) / 2
	}
	if len(times) < len(results) {
		s += fmt.Sprintf("; exec time of %d", len(times))
	} else {
		s += "; exec time"
	}
	if len(times) == 1 {
		return s + " " + formatMillis(times[0])
	}
	return s + fmt.Sprintf(" min %s, median %s, max %s", formatMillis(times[0]), formatMillis(median), formatMillis(times[len(times)-1]))
}

// finishedCounts counts results by outcome: "4 success, 1 failure".
func finishedCounts(results []result) string {
	order := []outcome{outcomeSuccess, outcomeFailure, outcomeTimeout, outcomeCancelled,
		outcomeAPIError, outcomeStalled, outcomeWaitTimeout, outcomeInterrupted, outcomeStopped}
	counts := map[outcome]int{}
	for _, r := range results {
		counts[r.outcome]++
	}
	var parts []string
	for _, o := range order {
		if counts[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[o], o))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// clock formats an elapsed time to the second: "0s", "12s", "2m0s".
func clock(d time.Duration) string {
	return max(d, 0).Round(time.Second).String()
}
