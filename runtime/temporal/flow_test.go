package temporal_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	pftemporal "github.com/digital-duck/picoflow-go/runtime/temporal"
	"github.com/digital-duck/picoflow-go/runtime/temporal/internal/flows"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// newEnv is a test environment for one workflow run, its log quiet.
func newEnv() *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	return s.NewTestWorkflowEnvironment()
}

// run runs flow's workflow in env on s and returns its store, or its error
// as Run.Get returns it.
func run(t *testing.T, env *testsuite.TestWorkflowEnvironment, flow string, s *flows.Job) (*flows.Job, error) {
	t.Helper()
	env.ExecuteWorkflow(flow, pftemporal.Input[flows.Job]{Store: s})
	if !env.IsWorkflowCompleted() {
		t.Fatalf("workflow %s did not complete", flow)
	}
	if err := env.GetWorkflowError(); err != nil {
		return nil, pftemporal.RunError(err)
	}
	var out flows.Job
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	return &out, nil
}

// nodeError is err's *runtime.NodeError, failing the test without one.
func nodeError(t *testing.T, err error) *runtime.NodeError {
	t.Helper()
	var ne *runtime.NodeError
	if !errors.As(err, &ne) {
		t.Fatalf("error %v (%T) holds no *runtime.NodeError", err, err)
	}
	return ne
}

// Exec is retried as the node says, and the attempts are counted.
func TestRetry(t *testing.T) {
	n := &flows.Nodes{FlakyFails: 2}
	env := newEnv()
	if err := flows.RegisterRetry(env, n.Retry()); err != nil {
		t.Fatal(err)
	}
	var starts []time.Time
	env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { starts = append(starts, env.Now()) })
	s, err := run(t, env, "Retry", &flows.Job{Input: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Result != "HELLO" || !reflect.DeepEqual(s.Log, []string{"finished"}) {
		t.Errorf("store %+v, want result HELLO and log [finished]", s)
	}
	if got := n.Calls("Flaky.Exec"); got != 3 {
		t.Errorf("Exec ran %d times, want 3", got)
	}
	// The pauses are the node's: wait 100ms, backoff 2.
	if len(starts) != 3 {
		t.Fatalf("%d Exec activities started, want 3", len(starts))
	}
	if d1, d2 := starts[1].Sub(starts[0]), starts[2].Sub(starts[1]); d1 != 100*time.Millisecond || d2 != 200*time.Millisecond {
		t.Errorf("pauses %v, %v; want 100ms, 200ms", d1, d2)
	}
}

// A Prep run in its Post's activity fails in phase prep.
func TestPrepInPost(t *testing.T) {
	env := newEnv()
	if err := flows.RegisterRetry(env, (&flows.Nodes{}).Retry()); err != nil {
		t.Fatal(err)
	}
	_, err := run(t, env, "Retry", &flows.Job{Input: "unfinished"})
	if want := "flow Retry: node Finish (step 2) prep: cannot finish"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if ne := nodeError(t, err); ne.Phase != runtime.PhasePrep {
		t.Errorf("phase %v, want prep", ne.Phase)
	}
}

// The last attempt's error fails the run at the node, step and phase; a
// permanent error is not tried again.
func TestRetryExhausted(t *testing.T) {
	for _, c := range []struct {
		permanent bool
		calls     int
		want      string
	}{
		{false, 3, "flow Retry: node Flaky (step 1) exec: attempt 3 failed"},
		{true, 1, "flow Retry: node Flaky (step 1) exec: attempt 1 failed"},
	} {
		n := &flows.Nodes{FlakyFails: 5, Permanent: c.permanent}
		env := newEnv()
		if err := flows.RegisterRetry(env, n.Retry()); err != nil {
			t.Fatal(err)
		}
		_, err := run(t, env, "Retry", &flows.Job{Input: "hello"})
		if err == nil || err.Error() != c.want {
			t.Fatalf("permanent %v: error %v, want %q", c.permanent, err, c.want)
		}
		ne := nodeError(t, err)
		if ne.Flow != "Retry" || ne.Node != "Flaky" || ne.Step != 1 || ne.Phase != runtime.PhaseExec {
			t.Errorf("NodeError %+v", ne)
		}
		if got := n.Calls("Flaky.Exec"); got != c.calls {
			t.Errorf("permanent %v: Exec ran %d times, want %d", c.permanent, got, c.calls)
		}
	}
}

// ExecFallback runs once, after the last attempt, with its error.
func TestFallback(t *testing.T) {
	n := &flows.Nodes{}
	env := newEnv()
	if err := flows.RegisterRescue(env, n.Rescue()); err != nil {
		t.Fatal(err)
	}
	s, err := run(t, env, "Rescue", &flows.Job{Input: "q"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "default for q after: service down (call 2)"; s.Result != want {
		t.Errorf("result %q, want %q", s.Result, want)
	}
	if e, f := n.Calls("Guarded.Exec"), n.Calls("Guarded.Fallback"); e != 2 || f != 1 {
		t.Errorf("Exec ran %d times and the fallback %d; want 2 and 1", e, f)
	}
}

// A batch's elements run at most parallel at once, their results in the
// order of the items whatever order they end in; a failed element fails
// the step.
func TestBatch(t *testing.T) {
	n := &flows.Nodes{Fanned: func(item string) {
		time.Sleep(time.Duration(10-len(item)) * time.Millisecond) // longer items end first
	}}
	env := newEnv()
	if err := flows.RegisterBatch(env, n.Batch()); err != nil {
		t.Fatal(err)
	}
	items := []string{"a", "bb", "ccc", "dddd", "eeeee", "ffffff", "ggggggg"}
	s, err := run(t, env, "Batch", &flows.Job{Items: items})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a!", "bb!", "ccc!", "dddd!", "eeeee!", "ffffff!", "ggggggg!"}
	if !reflect.DeepEqual(s.Results, want) {
		t.Errorf("results %q, want %q", s.Results, want)
	}
	if most := n.Most(); most > 3 || most < 2 {
		t.Errorf("%d elements ran at once; want 2 or 3 (parallel 3)", most)
	}

	env = newEnv()
	if err := flows.RegisterBatch(env, (&flows.Nodes{}).Batch()); err != nil {
		t.Fatal(err)
	}
	_, err = run(t, env, "Batch", &flows.Job{Items: []string{"a", "bad", "c"}})
	if want := "flow Batch: node Fan (step 1) exec: bad item"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

// max_steps bounds a loop; the run fails with an error matching
// runtime.ErrMaxSteps.
func TestMaxSteps(t *testing.T) {
	env := newEnv()
	if err := flows.RegisterLoop(env, (&flows.Nodes{}).Loop()); err != nil {
		t.Fatal(err)
	}
	_, err := run(t, env, "Loop", &flows.Job{Target: 20})
	if want := "flow Loop: step 11 exceeds max_steps 10"; err == nil || err.Error() != want || !errors.Is(err, runtime.ErrMaxSteps) {
		t.Fatalf("error %v, want %q matching runtime.ErrMaxSteps", err, want)
	}

	env = newEnv()
	if err := flows.RegisterLoop(env, (&flows.Nodes{}).Loop(), pftemporal.WithMaxSteps(0)); err != nil {
		t.Fatal(err)
	}
	s, err := run(t, env, "Loop", &flows.Job{Target: 20})
	if err != nil || s.Count != 20 {
		t.Fatalf("without a limit: %+v, %v", s, err)
	}
}

// A long run continues as new, inside a subflow too, and goes on where it
// was with its store and step count: the runs together end as one would.
func TestContinueAsNew(t *testing.T) {
	in := pftemporal.Input[flows.Job]{Store: &flows.Job{Target: 7}}
	var ats [][]int
	var s flows.Job
	for runs := 1; ; runs++ {
		if runs > 10 {
			t.Fatal("the run never ended")
		}
		env := newEnv()
		// A worker runs Loop on its own too: the names do not collide.
		n := &flows.Nodes{}
		if err := flows.RegisterNested(env, n.Nested(), pftemporal.WithContinueAfter(3)); err != nil {
			t.Fatal(err)
		}
		if err := flows.RegisterLoop(env, n.Loop()); err != nil {
			t.Fatal(err)
		}
		env.ExecuteWorkflow("Nested", in)
		err := env.GetWorkflowError()
		var more *workflow.ContinueAsNewError
		if !errors.As(err, &more) {
			if err != nil {
				t.Fatal(err)
			}
			if err := env.GetWorkflowResult(&s); err != nil {
				t.Fatal(err)
			}
			break
		}
		if more.WorkflowType.Name != "Nested" {
			t.Fatalf("continued as %s", more.WorkflowType.Name)
		}
		in = pftemporal.Input[flows.Job]{}
		if err := converter.GetDefaultDataConverter().FromPayloads(more.Input, &in); err != nil {
			t.Fatal(err)
		}
		ats = append(ats, append(in.At, in.Steps))
	}
	// 8 steps of Count (7 counted, then done) and Finish: 3 runs of 3.
	if want := [][]int{{0, 0, 3}, {0, 0, 6}}; !reflect.DeepEqual(ats, want) {
		t.Errorf("continued at (rows..., steps) %v, want %v", ats, want)
	}
	want := []string{"count 1", "count 2", "count 3", "count 4", "count 5", "count 6", "count 7", "finished"}
	if s.Count != 7 || !reflect.DeepEqual(s.Log, want) {
		t.Errorf("store %+v, want count 7 and log %q", s, want)
	}
}

// A parallel group's members run on copies of the store, merged by the
// fields' rules; writes without a rule by several members conflict.
func TestParallel(t *testing.T) {
	env := newEnv()
	n := &flows.Nodes{}
	if err := flows.RegisterParallel(env, n.Parallel()); err != nil {
		t.Fatal(err)
	}
	s, err := run(t, env, "Parallel", &flows.Job{Input: "x", Target: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"count 1", "web:x", "docs:x", "finished"}
	if !reflect.DeepEqual(s.Log, want) || s.Total != 11 || s.Count != 1 {
		t.Errorf("store %+v, want log %q, total 11", s, want)
	}

	env = newEnv()
	if err := flows.RegisterParallel(env, n.Parallel()); err != nil {
		t.Fatal(err)
	}
	_, err = run(t, env, "Parallel", &flows.Job{Input: "conflict", Target: 1})
	want1 := "flow Parallel: group Web+Docs (step 3) merge: field note changed by Web and Docs: give it a merge rule in the store, or let one member write it"
	if err == nil || err.Error() != want1 {
		t.Fatalf("error %v, want %q", err, want1)
	}
	var me *runtime.MergeError
	if !errors.As(err, &me) || me.Field != "note" || !reflect.DeepEqual(me.Members, []string{"Web", "Docs"}) {
		t.Errorf("MergeError %+v", me)
	}
}

// An await node waits for an Update carrying the answer, and the question
// is queried (a refused answer: TestAwaitRefused).
func TestAwait(t *testing.T) {
	env := newEnv()
	if err := flows.RegisterApproval(env, (&flows.Nodes{}).Approval()); err != nil {
		t.Fatal(err)
	}
	var waiting *pftemporal.Waiting
	var accepted bool
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(pftemporal.QueryWaiting)
		if err != nil {
			t.Error(err)
			return
		}
		if err := v.Get(&waiting); err != nil {
			t.Error(err)
		}
		env.UpdateWorkflow("Approve", "1", &testsuite.TestUpdateCallback{
			OnAccept: func() { accepted = true },
			OnReject: func(err error) { t.Errorf("answer refused: %v", err) },
		}, pftemporal.Value[flows.Decision]{Value: flows.Decision{OK: true, Note: "ship it"}})
	}, time.Hour)
	s, err := run(t, env, "Approval", &flows.Job{Input: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if waiting == nil || waiting.Node != "Approve" || waiting.Step != 1 || string(waiting.Question) != `"may I ship v2?"` {
		t.Errorf("waiting %+v", waiting)
	}
	if !accepted || s.Note != "ship it" || !reflect.DeepEqual(s.Log, []string{"finished"}) {
		t.Errorf("accepted %v, store %+v", accepted, s)
	}
}

// An answer while the run waits for none is refused, and the run goes on
// waiting for the one it asks.
func TestAwaitRefused(t *testing.T) {
	env := newEnv()
	if err := flows.RegisterApproval(env, (&flows.Nodes{}).Approval()); err != nil {
		t.Fatal(err)
	}
	var refused error
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow("Approve", "1", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
		}, pftemporal.Value[flows.Decision]{Value: flows.Decision{OK: false, Note: "no"}})
		env.UpdateWorkflow("Approve", "2", &testsuite.TestUpdateCallback{
			OnAccept: func() { t.Error("a second answer was accepted") },
			OnReject: func(err error) { refused = err },
		}, pftemporal.Value[flows.Decision]{Value: flows.Decision{OK: true}})
	}, time.Minute)
	s, err := run(t, env, "Approval", &flows.Job{Input: "v3"})
	if err != nil {
		t.Fatal(err)
	}
	if refused == nil || !strings.Contains(refused.Error(), "flow Approval is not waiting at Approve") {
		t.Errorf("second answer: %v", refused)
	}
	if s.Note != "no" || len(s.Log) != 0 {
		t.Errorf("store %+v, want the first answer's", s)
	}
}

// A value over Temporal's payload limit fails its phase with an error
// that says what to do, before the server would refuse it.
func TestTooLarge(t *testing.T) {
	env := newEnv()
	if err := flows.RegisterRetry(env, (&flows.Nodes{}).Retry()); err != nil {
		t.Fatal(err)
	}
	_, err := run(t, env, "Retry", &flows.Job{Input: strings.Repeat("x", pftemporal.MaxJSON-1)})
	want := fmt.Sprintf("flow Retry: node Flaky (step 1) prep: Prep's value is %d bytes as JSON, more than the %d that Temporal's payload limit leaves for it: keep large data outside the store (in a blob store, say) and a key to it inside", pftemporal.MaxJSON+1, pftemporal.MaxJSON)
	if err == nil || err.Error() != want {
		t.Fatalf("error %.300v, want %q", err, want)
	}
}

// A node without prep falls back from its Exec's error; a batch node falls
// back per element, the others' results kept, in order.
func TestFallbackShapes(t *testing.T) {
	n := &flows.Nodes{}
	env := newEnv()
	if err := flows.RegisterMixed(env, n.Mixed()); err != nil {
		t.Fatal(err)
	}
	s, err := run(t, env, "Mixed", &flows.Job{Items: []string{"a", "bad", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a!", "saved bad from bad item", "c!"}
	if s.Count != 6 || !reflect.DeepEqual(s.Results, want) {
		t.Errorf("store %+v, want count 6 and results %q", s, want)
	}
	for phase, calls := range map[string]int{"Roll.Exec": 1, "Roll.Fallback": 1, "Salvage.Exec": 3, "Salvage.Fallback": 1} {
		if got := n.Calls(phase); got != calls {
			t.Errorf("%s ran %d times, want %d", phase, got, calls)
		}
	}
}

// A workflow started with the store itself, rather than an Input, fails
// at once instead of running on an empty store.
func TestNoStore(t *testing.T) {
	env := newEnv()
	if err := flows.RegisterRetry(env, (&flows.Nodes{}).Retry()); err != nil {
		t.Fatal(err)
	}
	env.ExecuteWorkflow("Retry", &flows.Job{Input: "x"})
	err := env.GetWorkflowError()
	if want := "flow Retry was started without a store: start it with StartRetry, whose input is a pftemporal.Input"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one saying %q", err, want)
	}
}

// A loop of nodes without Exec records a Post result per step in one
// workflow task; before their bytes would pass what the server takes in
// one request, the task is ended with a timer.
func TestTaskBudget(t *testing.T) {
	for _, c := range []struct {
		pad    int
		timers int
	}{
		{10 << 10, 0},  // 10 steps of 10 KiB: all in one task
		{600 << 10, 2}, // 600 KiB: a timer after each four Posts
	} {
		env := newEnv()
		if err := flows.RegisterLoop(env, (&flows.Nodes{}).Loop()); err != nil {
			t.Fatal(err)
		}
		timers := 0
		env.SetOnTimerScheduledListener(func(string, time.Duration) { timers++ })
		s, err := run(t, env, "Loop", &flows.Job{Target: 9, Note: strings.Repeat("n", c.pad)})
		if err != nil {
			t.Fatal(err)
		}
		if s.Count != 9 || timers != c.timers {
			t.Errorf("pad %d: count %d with %d timers; want 9 with %d", c.pad, s.Count, timers, c.timers)
		}
	}
}
