package temporal

import "go.temporal.io/sdk/workflow"

// execBatch runs the Exec of a batch node's n elements in a workflow: run
// once per element, at most parallel at once (0 or 1: one after another,
// as the runtime runs a batch), and returns the results in element order.
// The first element that fails, after its attempts, cancels the others
// and its error is returned, as the runtime's ExecBatch does.
func execBatch[E any](ctx workflow.Context, parallel, n int, run func(ctx workflow.Context, i int) (E, error)) ([]E, error) {
	ctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	sem := workflow.NewSemaphore(ctx, int64(max(parallel, 1)))
	wg := workflow.NewWaitGroup(ctx)
	results := make([]E, n)
	// Workflow coroutines take turns, one at a time: first needs no lock.
	var first error
	for i := range n {
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
			e, err := run(ctx, i)
			if err != nil {
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
