package monitor

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/internal/testflow"
	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// The runs of logWithRuns.
const (
	waitingRun = "aaaa1111" // Count retried once per step, the group, waiting at Ask
	failedRun  = "bbbb2222" // Count fails at step 2, with a stack
	doneRun    = "cccc3333" // as waitingRun, then answered yes: Finish, done
	noGraphRun = "dddd4444" // failed at step 1, its graph lost
)

// recordRuns runs the test flow into l: a run waiting at Ask, a failed
// one, one answered and done, and one whose graph is then removed.
func recordRuns(t testing.TB, l *runlog.Log) {
	t.Helper()
	ctx := context.Background()
	run := func(n testflow.Nodes, id string) error {
		return testflow.New(n).Run(ctx, testflow.NewJob(), append(l.Options(), runtime.WithRunID(id))...)
	}
	var in *runtime.Interrupt
	if err := run(testflow.Nodes{Flaky: true}, waitingRun); !errors.As(err, &in) {
		t.Fatalf("run %s: %v, want an interrupt", waitingRun, err)
	}
	if err := run(testflow.Nodes{FailAt: 2}, failedRun); err == nil {
		t.Fatalf("run %s did not fail", failedRun)
	}
	if err := run(testflow.Nodes{Flaky: true}, doneRun); !errors.As(err, &in) {
		t.Fatalf("run %s: %v, want an interrupt", doneRun, err)
	}
	cp, err := l.Latest(doneRun)
	if err != nil {
		t.Fatal(err)
	}
	if err := testflow.New(testflow.Nodes{}).ResumeAsk(ctx, testflow.NewJob(), cp, true, l.Options()...); err != nil {
		t.Fatalf("resume %s: %v", doneRun, err)
	}
	if err := run(testflow.Nodes{FailAt: 1}, noGraphRun); err == nil {
		t.Fatalf("run %s did not fail", noGraphRun)
	}
}

// logWithRuns writes the runs of recordRuns to a new log, then sets their
// times, hosts and processes to fixed values, gives the failed step a
// stack with markup in it, and removes the graph of noGraphRun, so that
// pages are exact.
func logWithRuns(t *testing.T) *runlog.Log {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runs.db")
	l, err := runlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recordRuns(t, l)
	l.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	base := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC).UnixNano()
	ms := int64(time.Millisecond)
	// Each step takes 10 ms after the one before; the group's two members
	// run at once, for 20 ms; Ask waits from 50 ms, and in the done run is
	// answered at 100 ms, then Finish runs. Each run starts a minute after
	// the one before. A retry happens 5 ms into its step.
	for _, u := range []struct {
		q    string
		args []any
	}{
		{`UPDATE steps SET started = ? + 10 * ? * (step - 1), elapsed = 10 * ?`, []any{base, ms, ms}},
		{`UPDATE steps SET started = ? + 30 * ?, elapsed = 20 * ? WHERE node IN ('Left', 'Right')`, []any{base, ms, ms}},
		{`UPDATE steps SET started = ? + 50 * ?, elapsed = 0 WHERE node = 'Ask'`, []any{base, ms}},
		{`UPDATE steps SET started = ? + 100 * ?, elapsed = 5 * ? WHERE node = 'Ask' AND run_id = ?`, []any{base, ms, ms, doneRun}},
		{`UPDATE steps SET started = ? + 110 * ?, elapsed = 10 * ? WHERE node = 'Finish'`, []any{base, ms, ms}},
		// Which member of the group took step 4 is a race.
		{`UPDATE steps SET node = CASE step WHEN 4 THEN 'Left' ELSE 'Right' END WHERE step IN (4, 5)`, nil},
		{`UPDATE steps SET stack = 'goroutine 7 [running]:' || char(10) || 'testflow.(*count).Exec(<script>alert(1)</script>)' WHERE run_id = ? AND step = 2`, []any{failedRun}},
		{`UPDATE events SET time = ? + 10 * ? * (step - 1) + 5 * ?, wait = 2 * ? WHERE kind = 'retry'`, []any{base, ms, ms, ms}},
		{`UPDATE events SET time = ? + 10 * ? * (step - 1) + 8 * ? WHERE kind = 'emit'`, []any{base, ms, ms}},
		{`UPDATE steps SET started = started + (SELECT 60000 * ? * (CASE run_id WHEN ? THEN 0 WHEN ? THEN 1 WHEN ? THEN 2 ELSE 3 END))`, []any{ms, waitingRun, failedRun, doneRun}},
		{`UPDATE events SET time = time + (SELECT 60000 * ? * (CASE run_id WHEN ? THEN 0 WHEN ? THEN 1 WHEN ? THEN 2 ELSE 3 END))`, []any{ms, waitingRun, failedRun, doneRun}},
		{`UPDATE runs SET started = ? + 60000 * ? * (CASE id WHEN ? THEN 0 WHEN ? THEN 1 WHEN ? THEN 2 ELSE 3 END), host = 'box', pid = 42`, []any{base, ms, waitingRun, failedRun, doneRun}},
		{`UPDATE runs SET updated = started + 50 * ?, ended = started + 50 * ?`, []any{ms, ms}},
		{`UPDATE runs SET updated = started + 120 * ?, ended = started + 120 * ? WHERE id = ?`, []any{ms, ms, doneRun}},
		{`UPDATE runs SET graph = '' WHERE id = ?`, []any{noGraphRun}},
	} {
		if _, err := db.Exec(u.q, u.args...); err != nil {
			t.Fatalf("%s: %v", u.q, err)
		}
	}
	l, err = runlog.OpenExisting(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
