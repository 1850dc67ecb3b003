package cli

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/internal/testflow"
	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// logWithRuns writes a run log with a run waiting for an answer (its
// Count retried once per step) and a failed one, then sets its times, host
// and process to fixed values, so that the commands' output is exact.
func logWithRuns(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "runs.db")
	l, err := runlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_ = testflow.New(testflow.Nodes{Flaky: true}).Run(ctx, testflow.NewJob(), append(l.Options(), runtime.WithRunID("aaaa1111"))...)
	_ = testflow.New(testflow.Nodes{FailAt: 2}).Run(ctx, testflow.NewJob(), append(l.Options(), runtime.WithRunID("bbbb2222"))...)
	l.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	base := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC).UnixNano()
	ms := int64(time.Millisecond)
	// Each step takes 10 ms after the one before; the group's two members
	// run at once, for 20 ms; Ask waits from 50 ms. The failed run starts
	// a minute later.
	for _, u := range []struct {
		q    string
		args []any
	}{
		{`UPDATE steps SET started = ? + 10 * ? * (step - 1) + (run_id = 'bbbb2222') * 60000 * ?, elapsed = 10 * ?`, []any{base, ms, ms, ms}},
		{`UPDATE steps SET started = ? + 30 * ?, elapsed = 20 * ? WHERE node IN ('Left', 'Right')`, []any{base, ms, ms}},
		{`UPDATE steps SET started = ? + 50 * ?, elapsed = 0 WHERE node = 'Ask'`, []any{base, ms}},
		{`UPDATE runs SET started = ? + (id = 'bbbb2222') * 60000 * ?, host = 'box', pid = 42`, []any{base, ms}},
		{`UPDATE runs SET updated = started, ended = started + 50 * ?`, []any{ms}},
		// Which member of the group took step 4 is a race.
		{`UPDATE steps SET node = CASE step WHEN 4 THEN 'Left' ELSE 'Right' END WHERE step IN (4, 5)`, nil},
	} {
		if _, err := db.Exec(u.q, u.args...); err != nil {
			t.Fatalf("%s: %v", u.q, err)
		}
	}
	return path
}

func TestRuns(t *testing.T) {
	time.Local = time.UTC // the commands print local times
	db := logWithRuns(t)
	code, out, errs := run(t, "runs", "-db", db)
	want := `RUN       STATUS   FLOW  STARTED              STEPS  ELAPSED  ERROR
bbbb2222  failed   Loop  2026-12-01 09:31:00  2      50ms     flow Loop: node Count (step 2) exec: count broke
aaaa1111  waiting  Loop  2026-12-01 09:30:00  6      50ms     flow Loop: run aaaa1111 waits at node Ask (step 6) for an answer
`
	if code != 0 || out != want || errs != "" {
		t.Errorf("runs: %d\n%s\nwant\n%s%s", code, out, want, errs)
	}

	code, out, _ = run(t, "runs", "-db", db, "-status", "waiting")
	if code != 0 || strings.Contains(out, "bbbb2222") || !strings.Contains(out, "aaaa1111") {
		t.Errorf("runs -status waiting:\n%s", out)
	}

	code, out, _ = run(t, "runs", "-db", db, "aaaa")
	want = `run aaaa1111 of flow Loop: waiting, 6 steps, 50ms, started 2026-12-01 09:30:00 on box (pid 42)
error: flow Loop: run aaaa1111 waits at node Ask (step 6) for an answer
waiting at Ask for an answer to: 3

STEP  NODE   ACTION  STATUS   START  ELAPSED  ATTEMPTS  TIMELINE
1     Count  more    done     +0s    10ms     2         ██████························
2     Count  more    done     +10ms  10ms     2         ······██████··················
3     Count  done    done     +20ms  10ms     2         ············██████············
4     Left           done     +30ms  20ms     1         ··················████████████
5     Right          done     +30ms  20ms     1         ··················████████████
6     Ask            waiting  +50ms  0s       1         ·····························█
`
	if code != 0 || out != want {
		t.Errorf("runs aaaa: %d\n%s\nwant\n%s", code, out, want)
	}
}

func TestRunsErrors(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := run(t, "runs", "-db", filepath.Join(dir, "none.db"))
	if code != 1 || !strings.Contains(errs, "picoflow: no run log at "+filepath.Join(dir, "none.db")) {
		t.Errorf("missing log: %d %q", code, errs)
	}
	db := logWithRuns(t)
	if code, _, errs := run(t, "runs", "-db", db, "zzz"); code != 1 || !strings.Contains(errs, `no run "zzz"`) {
		t.Errorf("unknown run: %d %q", code, errs)
	}
	if code, _, _ := run(t, "runs", "-db", db, "a", "b"); code != 2 {
		t.Errorf("two run IDs: exit %d, want 2", code)
	}
}
