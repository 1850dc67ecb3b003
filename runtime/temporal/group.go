package temporal

import (
	"errors"

	"github.com/digital-duck/picoflow-go/runtime"
	"go.temporal.io/sdk/workflow"
)

// group runs parallel group g: each member in a workflow coroutine of its
// own, on its own copy of s, at once; the first that fails cancels the
// others. When all have finished their stores are merged into s by the
// generated merge, as in the runtime.
func (fl *Flow[S]) group(ctx workflow.Context, st *state, prefix string, s *S, g *Member[S]) error {
	stores := make([]S, len(g.Group))
	names := make([]string, len(g.Group))
	ctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	wg := workflow.NewWaitGroup(ctx)
	// Coroutines take turns, one at a time: first needs no lock.
	var first error
	for k, i := range g.Group {
		m := &fl.Members[i]
		names[k] = m.Name
		fl.Copy(s, &stores[k])
		wg.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer wg.Done()
			var err error
			if m.Subflow != nil {
				_, err = m.Subflow.drive(ctx, st, prefix+m.Name+".", &stores[k], nil, true)
			} else {
				_, err = fl.node(ctx, st, prefix, &stores[k], m) // a terminal node
			}
			if err != nil && first == nil {
				first = err
				cancel()
			}
		})
	}
	wg.Wait(ctx)
	if first != nil {
		return first
	}
	if err := fl.Merge(s, &runtime.Join[S]{Members: names, Stores: stores}); err != nil {
		e := &stepError{flow: fl.Name, node: g.Name, step: st.steps, phase: runtime.PhaseMerge, text: err.Error()}
		errors.As(err, &e.merge)
		return e
	}
	return nil
}
