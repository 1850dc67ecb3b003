package cli

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// defaultDB is the run log the runs and monitor commands read without -db.
const defaultDB = "runs.db"

const runsHelp = `usage: picoflow runs [-db FILE] [-flow NAME] [-status STATUS] [-n N] [RUNID]

Runs prints the run log that runlog.Log records (see package
github.com/digital-duck/picoflow-go/runtime/runlog): the most recent runs as
a table (run ID, status, flow, start, steps, elapsed, error), newest first,
or, given a RUNID (or a prefix of one), that run's steps as a timeline: each
step's node, action, status, start and elapsed time, Exec attempts, a bar
where it ran within the run, and its error. A run waiting at an await node
shows its question.

  -db FILE        the run log (default runs.db)
  -flow NAME      only runs of flow NAME
  -status STATUS  only runs with STATUS: running, done, failed, waiting, canceled
  -n N            at most N runs (default 20)
`

func runRuns(c *command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	db := fs.String("db", defaultDB, "the run log")
	flow := fs.String("flow", "", "only runs of this flow")
	status := fs.String("status", "", "only runs with this status")
	n := fs.Int("n", 20, "at most this many runs")
	rest, code, ok := c.parseFlags(fs, e, args)
	if !ok {
		return code
	}
	if len(rest) > 1 {
		e.errorf("runs takes at most one RUNID")
		fmt.Fprint(e.stderr, c.help)
		return exitUsage
	}
	l, err := openLog(*db)
	if err != nil {
		e.errorf("%v", err)
		return exitInput
	}
	defer l.Close()
	if len(rest) == 1 {
		return runTimeline(e, l, rest[0])
	}
	runs, err := l.Runs(runlog.Filter{Flow: *flow, Status: *status, Limit: *n})
	if err != nil {
		e.errorf("%v", err)
		return exitInput
	}
	if len(runs) == 0 {
		fmt.Fprintf(e.stdout, "no runs in %s\n", *db)
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTATUS\tFLOW\tSTARTED\tSTEPS\tELAPSED\tERROR")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Status, r.Flow, r.Started.Format(timeLayout), r.Steps, runElapsed(r), oneLine(r.Err, 70))
	}
	tw.Flush()
	return exitOK
}

// openLog opens the run log at path, which must exist: reading a name
// mistyped must not create an empty log.
func openLog(path string) (*runlog.Log, error) {
	l, err := runlog.OpenExisting(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no run log at %s (runlog.Open(%q) makes one; -db names another)", path, path)
	}
	return l, err
}

const timeLayout = "2006-01-02 15:04:05"

// runElapsed is how long r ran, or has been running ("…" after it).
func runElapsed(r runlog.Run) string {
	if r.Ended.IsZero() {
		return roundDuration(r.Updated.Sub(r.Started)).String() + "…"
	}
	return roundDuration(r.Ended.Sub(r.Started)).String()
}

// roundDuration keeps three significant digits or so, as people read them.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// oneLine is s on one line, cut to at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// barWidth is the width of a timeline's bars.
const barWidth = 30

// runTimeline prints the run whose ID is or starts with id, step by step.
func runTimeline(e *env, l *runlog.Log, id string) int {
	r, err := l.Run(id)
	if errors.Is(err, fs.ErrNotExist) {
		runs, lerr := l.Runs(runlog.Filter{ID: id, Limit: 2})
		switch {
		case lerr != nil:
			err = lerr
		case len(runs) == 1:
			r, err = &runs[0], nil
		case len(runs) > 1:
			e.errorf("run ID prefix %q is ambiguous: %s, %s, ...", id, runs[0].ID, runs[1].ID)
			return exitInput
		}
	}
	if err != nil {
		e.errorf("%v", err)
		return exitInput
	}
	steps, err := l.Steps(r.ID)
	if err != nil {
		e.errorf("%v", err)
		return exitInput
	}
	w := e.stdout
	fmt.Fprintf(w, "run %s of flow %s: %s, %d steps, %s, started %s", r.ID, r.Flow, r.Status, r.Steps, runElapsed(*r), r.Started.Format(timeLayout))
	if r.Host != "" {
		fmt.Fprintf(w, " on %s (pid %d)", r.Host, r.PID)
	}
	fmt.Fprintln(w)
	if r.Err != "" {
		fmt.Fprintf(w, "error: %s\n", oneLine(r.Err, 200))
	}
	if r.Status == runlog.StatusWaiting {
		fmt.Fprintf(w, "waiting at %s for an answer to: %s\n", r.Waiting, r.Question)
	}
	if len(steps) == 0 {
		return exitOK
	}
	fmt.Fprintln(w)
	// The bars share one scale: the span from the first step's start to
	// the last one's end.
	first, last := steps[0].Started, steps[0].Started
	for _, s := range steps {
		first = minTime(first, s.Started)
		last = maxTime(last, s.Started.Add(s.Elapsed))
	}
	span := last.Sub(first)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tNODE\tACTION\tSTATUS\tSTART\tELAPSED\tATTEMPTS\tTIMELINE")
	for _, s := range steps {
		node := s.Node
		if s.Flow != r.Flow {
			node = s.Flow + "/" + s.Node
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t+%s\t%s\t%d\t%s\n", s.Step, node, s.Action, s.Status,
			roundDuration(s.Started.Sub(first)), roundDuration(s.Elapsed), s.Attempts, bar(s.Started.Sub(first), s.Elapsed, span))
		if s.Err != "" {
			fmt.Fprintf(tw, "\t  error: %s\n", oneLine(s.Err, 120))
		}
	}
	tw.Flush()
	return exitOK
}

// bar draws a step that began at start into the run and took elapsed, on
// a line of barWidth characters standing for span.
func bar(start, elapsed, span time.Duration) string {
	if span <= 0 {
		return strings.Repeat("█", barWidth)
	}
	from := int(int64(start) * barWidth / int64(span))
	to := int((int64(start+elapsed)*barWidth + int64(span) - 1) / int64(span))
	from = max(0, min(from, barWidth-1))
	to = max(from+1, min(to, barWidth))
	return strings.Repeat("·", from) + strings.Repeat("█", to-from) + strings.Repeat("·", barWidth-to)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
