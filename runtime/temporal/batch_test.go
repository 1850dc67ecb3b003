package temporal

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// batch is how a batch workflow ended: its results, its error and the
// most activities that ran at once.
type batch struct {
	out  []int
	err  error
	most int
}

// batchRun runs execBatch over items with policy p in the test
// environment; square is the activity.
func batchRun(t *testing.T, p runtime.Policy, items []int, square func(context.Context, int) (int, error)) batch {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := s.NewTestWorkflowEnvironment()
	var mu sync.Mutex
	running, most := 0, 0
	env.RegisterActivityWithOptions(func(ctx context.Context, n int) (int, error) {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		defer func() { mu.Lock(); running--; mu.Unlock() }()
		return square(ctx, n)
	}, activity.RegisterOptions{Name: "Square"})
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, items []int) ([]int, error) {
		ctx = workflow.WithActivityOptions(ctx, ActivityOptions(p))
		return execBatch(ctx, p.Parallel, len(items), func(ctx workflow.Context, i int) (int, error) {
			var e int
			err := workflow.ExecuteActivity(ctx, "Square", items[i]).Get(ctx, &e)
			return e, err
		})
	}, workflow.RegisterOptions{Name: "Batch"})
	env.ExecuteWorkflow("Batch", items)
	if !env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not complete")
	}
	var out []int
	err := env.GetWorkflowError()
	if err == nil {
		if gerr := env.GetWorkflowResult(&out); gerr != nil {
			t.Fatal(gerr)
		}
	}
	return batch{out, err, most}
}

// Elements run at most Parallel at once and their results come back in
// the order of the items, whatever order the activities end in.
func TestExecBatchOrder(t *testing.T) {
	items := []int{1, 2, 3, 4, 5, 6, 7, 8}
	square := func(_ context.Context, n int) (int, error) {
		time.Sleep(time.Duration(9-n) * time.Millisecond) // later items end first
		return n * n, nil
	}
	for _, parallel := range []int{0, 1, 3} {
		b := batchRun(t, runtime.Policy{Parallel: parallel}, items, square)
		if want := []int{1, 4, 9, 16, 25, 36, 49, 64}; b.err != nil || !reflect.DeepEqual(b.out, want) {
			t.Errorf("parallel %d: %v, %v; want %v", parallel, b.out, b.err, want)
		}
		if bound := max(parallel, 1); b.most > bound || parallel == 3 && b.most < 2 {
			t.Errorf("parallel %d: %d elements ran at once", parallel, b.most)
		}
	}
}

// The first element to fail, after its attempts, fails the batch; an
// element's retries are its own.
func TestExecBatchFailure(t *testing.T) {
	var mu sync.Mutex
	tries := map[int]int{}
	b := batchRun(t, runtime.Policy{Parallel: 2, Attempts: 2}, []int{1, 2, 3, 4}, func(_ context.Context, n int) (int, error) {
		mu.Lock()
		tries[n]++
		mu.Unlock()
		if n == 2 {
			return 0, fmt.Errorf("element %d broke", n)
		}
		return n, nil
	})
	if b.err == nil || tries[2] != 2 {
		t.Fatalf("got %v with element 2 tried %d times; want its error after 2 attempts", b.err, tries[2])
	}
	if tries[4] > 1 {
		t.Errorf("element 4 ran %d times", tries[4])
	}
	if got := b.err.Error(); !strings.Contains(got, "element 2 broke") {
		t.Errorf("error %q does not name element 2's failure", got)
	}
}
