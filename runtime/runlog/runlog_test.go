package runlog_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/digital-duck/picoflow-go/internal/testflow"
	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

func open(t testing.TB) *runlog.Log {
	t.Helper()
	l, err := runlog.Open(filepath.Join(t.TempDir(), "runs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// A run is recorded step by step: its steps with their actions and
// attempts, retries, Emit events, the store's changes, the question it
// stops at, and checkpoints to resume it from, after which it is done.
func TestRecordsRun(t *testing.T) {
	l := open(t)
	ctx := context.Background()
	f := testflow.New(testflow.Nodes{Flaky: true})
	j := testflow.NewJob()
	opts := append(l.Options(), runtime.WithRunID("run-1"))
	err := f.Run(ctx, j, opts...)
	var in *runtime.Interrupt
	if !errors.As(err, &in) || in.Node != "Ask" {
		t.Fatalf("got %v, want the run to stop at Ask", err)
	}
	r, err := l.Run("run-1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Flow != "Loop" || r.Status != runlog.StatusWaiting || r.Waiting != "Ask" || r.Question != "3" || r.Steps != 6 || r.Ended.IsZero() {
		t.Errorf("run %+v, want Loop waiting at Ask with question 3 after 6 steps", r)
	}
	if r.Graph == nil || r.Graph.Flow != "Loop" || len(r.Graph.Members) != 6 {
		t.Errorf("graph %+v, want Loop's five members and its group", r.Graph)
	}
	steps, err := l.Steps("run-1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		got = append(got, fmt.Sprintf("%d %s %s %s %d", s.Step, s.Node, s.Status, s.Action, s.Attempts))
	}
	want := []string{"1 Count done more 2", "2 Count done more 2", "3 Count done done 2"}
	if len(got) != 6 || !reflect.DeepEqual(got[:3], want) || got[5] != "6 Ask waiting  1" {
		t.Fatalf("steps %q, want %q, Left and Right, then Ask waiting", got, want)
	}
	if sides := got[3][2:] + "," + got[4][2:]; sides != "Left done  1,Right done  1" && sides != "Right done  1,Left done  1" {
		t.Errorf("steps 4 and 5: %q", got[3:])
	}
	events, err := l.Events("run-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string][]string{}
	for _, e := range events {
		switch e.Kind {
		case "retry":
			kinds[e.Kind] = append(kinds[e.Kind], fmt.Sprintf("%d %s %d %s", e.Step, e.Node, e.Attempt, e.Err))
		case "emit":
			kinds[e.Kind] = append(kinds[e.Kind], fmt.Sprintf("%d %s", e.Step, e.Value))
		case "write":
			kinds[e.Kind] = append(kinds[e.Kind], fmt.Sprintf("%d %s %s %s->%s", e.Step, e.Node, e.Field, e.Old, e.New))
		}
	}
	wantEvents := map[string][]string{
		"retry": {"1 Count 1 flaky", "2 Count 1 flaky", "3 Count 1 flaky"},
		"emit":  {`1 "counting 1"`, `1 "counting 1"`, `2 "counting 2"`, `2 "counting 2"`, `3 "counting 3"`, `3 "counting 3"`},
		// The first step's changes are not known: the log sees the store
		// first in its checkpoint. The group's merged writes are one change.
		"write": {"2 Count n 1->2", "3 Count n 2->3", `5 Left+Right log null->["left","right"]`},
	}
	if !reflect.DeepEqual(kinds, wantEvents) {
		t.Errorf("events\n%q\nwant\n%q", kinds, wantEvents)
	}

	cp, err := l.Latest("run-1")
	if err != nil {
		t.Fatal(err)
	}
	if cp.Await != "Ask" || cp.Step != 5 {
		t.Fatalf("latest checkpoint waits at %q, after step %d; want Ask, 5", cp.Await, cp.Step)
	}
	j = &testflow.Job{}
	if err := f.ResumeAsk(ctx, j, cp, true, l.Options()...); err != nil {
		t.Fatal(err)
	}
	r, err = l.Run("run-1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != runlog.StatusDone || r.Steps != 7 || r.Err != "" || r.Waiting != "" || j.Note != "finished" {
		t.Errorf("resumed run %+v, store %+v; want done after 7 steps", r, j)
	}
	stores, err := l.Stores("run-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(stores) != 6 || string(stores[5].Store) != `{"n":3,"limit":3,"log":["left","right"],"note":"finished"}` {
		t.Errorf("stores after each step: %d, the last %s", len(stores), stores[len(stores)-1].Store)
	}
}

// A failed run is failed, with its error, and its failing step's.
func TestRecordsFailure(t *testing.T) {
	l := open(t)
	err := testflow.New(testflow.Nodes{FailAt: 2}).Run(context.Background(), testflow.NewJob(), append(l.Options(), runtime.WithRunID("bad"))...)
	if err == nil {
		t.Fatal("the run did not fail")
	}
	r, _ := l.Run("bad")
	steps, _ := l.Steps("bad")
	if r.Status != runlog.StatusFailed || r.Err != err.Error() || len(steps) != 2 || steps[1].Status != runlog.StatusFailed || steps[1].Err != "flow Loop: node Count (step 2) exec: count broke" {
		t.Errorf("run %+v, steps %+v", r, steps)
	}
}

// Many runs at once in one process share one log; go test -race checks the
// log's own locking.
func TestConcurrentRuns(t *testing.T) {
	l := open(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := testflow.NewJob()
			j.Limit = 5
			opts := append(l.Options(), runtime.WithRunID(fmt.Sprintf("r%02d", i)))
			err := testflow.New(testflow.Nodes{Flaky: i%2 == 0}).Run(context.Background(), j, opts...)
			var in *runtime.Interrupt
			if !errors.As(err, &in) {
				errs[i] = fmt.Errorf("run %d: %v, want an Interrupt", i, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	runs, err := l.Runs(runlog.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != n {
		t.Fatalf("%d runs logged, want %d", len(runs), n)
	}
	for _, r := range runs {
		steps, _ := l.Steps(r.ID)
		if r.Status != runlog.StatusWaiting || r.Steps != 8 || len(steps) != 8 {
			t.Errorf("run %s: %s after %d steps, %d logged; want waiting after 8, 8 logged", r.ID, r.Status, r.Steps, len(steps))
		}
	}
	if runs, _ := l.Runs(runlog.Filter{ID: "r1", Limit: 3}); len(runs) != 3 || !strings.HasPrefix(runs[0].ID, "r1") {
		t.Errorf("runs with ID prefix r1, at most 3: %d", len(runs))
	}
}

// A write that fails fails the run: here the log is closed under it.
func TestFailedWriteFailsRun(t *testing.T) {
	l := open(t)
	f := testflow.New(testflow.Nodes{Started: func(n int) {
		if n == 1 {
			l.Close()
		}
	}})
	err := f.Run(context.Background(), testflow.NewJob(), l.Options()...)
	if err == nil || !strings.Contains(err.Error(), "runlog: save checkpoint of step 2") {
		t.Errorf("got %v, want the failed save of step 2", err)
	}
}

func TestLatestAndPrune(t *testing.T) {
	l := open(t)
	if _, err := l.Latest("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Latest of an unknown run: %v, want fs.ErrNotExist", err)
	}
	if _, err := l.Run("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Run of an unknown run: %v, want fs.ErrNotExist", err)
	}
	j := testflow.NewJob()
	_ = testflow.New(testflow.Nodes{}).Run(context.Background(), j, append(l.Options(), runtime.WithRunID("waits"))...)
	_ = testflow.New(testflow.Nodes{FailAt: 1}).Run(context.Background(), testflow.NewJob(), append(l.Options(), runtime.WithRunID("fails"))...)
	if n, err := l.Prune(-1); err != nil || n != 1 {
		t.Errorf("Prune removed %d, %v; want the failed run only (a waiting run is kept)", n, err)
	}
	if _, err := l.Run("fails"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the pruned run is still there: %v", err)
	}
	if steps, _ := l.Steps("fails"); len(steps) != 0 {
		t.Errorf("the pruned run's steps are still there: %v", steps)
	}
	if _, err := l.Latest("waits"); err != nil {
		t.Errorf("the waiting run lost its checkpoint: %v", err)
	}
}

// Opening a log again keeps it; a log from a newer schema is refused.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	l, err := runlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	_ = testflow.New(testflow.Nodes{}).Run(context.Background(), testflow.NewJob(), append(l.Options(), runtime.WithRunID("a"))...)
	l.Close()
	l, err = runlog.OpenExisting(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if r, err := l.Run("a"); err != nil || r.Status != runlog.StatusWaiting {
		t.Errorf("reopened: %+v, %v", r, err)
	}
	if _, err := runlog.OpenExisting(filepath.Join(t.TempDir(), "none.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenExisting of no file: %v, want fs.ErrNotExist", err)
	}
}
