package temporal

import (
	"github.com/digital-duck/picoflow-go/runtime"
	"go.temporal.io/sdk/workflow"
)

// ExecBatch runs the Exec of a batch node in a workflow: the activity once
// per element of items, at most p.Parallel at once (0 or 1: one after
// another, as the runtime runs a batch), each as [ActivityOptions] says
// for p, and returns the results in the order of items. The first element
// that fails, after its attempts, cancels the others and its error is
// returned, as the runtime's ExecBatch does. activity is what
// workflow.ExecuteActivity takes: the function or its registered name.
func ExecBatch[T, E any](ctx workflow.Context, p runtime.Policy, activity any, items []T) ([]E, error) {
	ctx = workflow.WithActivityOptions(ctx, ActivityOptions(p))
	ctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	sem := workflow.NewSemaphore(ctx, int64(max(p.Parallel, 1)))
	wg := workflow.NewWaitGroup(ctx)
	results := make([]E, len(items))
	// Workflow coroutines take turns, one at a time: first needs no lock.
	var first error
	for i, item := range items {
		if err := sem.Acquire(ctx, 1); err != nil {
			break // canceled: an element failed, or the workflow was
		}
		if first != nil {
			sem.Release(1)
			break
		}
		wg.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer wg.Done()
			defer sem.Release(1)
			var e E
			if err := workflow.ExecuteActivity(ctx, activity, item).Get(ctx, &e); err != nil {
				if first == nil {
					first = err
					cancel()
				}
				return
			}
			results[i] = e
		})
	}
	wg.Wait(ctx)
	if first == nil {
		if err := ctx.Err(); err != nil {
			return nil, err // the workflow was canceled
		}
		return results, nil
	}
	return nil, first
}
