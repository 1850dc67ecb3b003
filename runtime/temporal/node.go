package temporal

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// node runs one step of node m on s: Prep as a local activity, Exec as an
// activity (or the wait for an answer), Post as a local activity, whose
// store replaces s. It returns the action Post returned.
//
// The workflow holds Prep's and Exec's values as JSON, as they travel
// between activities, so that this code serves every node's types.
func (fl *Flow[S]) node(ctx workflow.Context, st *state, prefix string, s *S, m *Member[S]) (int, error) {
	if err := st.begin(fl.Name, m.Name); err != nil {
		return 0, err
	}
	step := st.steps
	fail := func(phase runtime.Phase, err error) error {
		if temporal.IsCanceledError(err) {
			return err // the workflow was canceled, or a group's sibling failed
		}
		return &stepError{flow: fl.Name, node: m.Name, step: step, phase: phase, text: failureText(err)}
	}
	name := prefix + m.Name + "."
	local := workflow.WithLocalActivityOptions(ctx, st.cfg.local)
	store, err := json.Marshal(s)
	if err != nil {
		return 0, &stepError{flow: fl.Name, node: m.Name, step: step, phase: runtime.PhasePrep, text: err.Error()}
	}
	// Prep cannot change the store: Post gets the same one.
	in := PostInput{Store: store}
	if m.Prep {
		var p Value[json.RawMessage]
		// Prep's value is recorded, and sent on as the Exec activity's
		// input in the same task.
		if err := st.local(local, name+"Prep", in.Store, &p, func() int { return 2 * len(p.Value) }); err != nil {
			return 0, fail(runtime.PhasePrep, err)
		}
		in.Prep = p.Value
	}
	switch {
	case m.Await:
		st.waiting = &Waiting{Flow: fl.Name, Node: m.Name, Step: step, Question: in.Prep}
		err := workflow.Await(ctx, func() bool { return st.answer != nil })
		in.Exec, st.waiting, st.answer = st.answer, nil, nil
		st.taskBytes = 0 // the answer came in a workflow task of its own
		if err != nil {
			return 0, err
		}
	case m.Exec:
		e, err := fl.exec(ctx, st, name, m, in.Prep)
		if err != nil {
			return 0, fail(runtime.PhaseExec, err)
		}
		in.Exec = e
	}
	var out PostOutput
	if err := st.local(local, name+"Post", in, &out, func() int { return len(out.Store) }); err != nil {
		phase := runtime.PhasePost
		var app *temporal.ApplicationError
		if errors.As(err, &app) && app.Type() == errPrep {
			phase = runtime.PhasePrep // a Prep run in Post's activity
		}
		return 0, fail(phase, err)
	}
	var after S
	if err := json.Unmarshal(out.Store, &after); err != nil {
		return 0, fail(runtime.PhasePost, err)
	}
	*s = after
	return out.Action, nil
}

// taskBudget is the most bytes of local activity results that one workflow
// task may carry: they reach the server in one request, which its gRPC
// frontend takes up to 4 MiB, and the workflow's result (a store) may come
// with them. Regular activities and waits end a task; a run of local
// activities (a loop of nodes without Exec, a group's Posts) would not.
const taskBudget = 4<<20 - 64<<10

// local runs local activity name on arg into out, whose size (in bytes of
// JSON) size tells once it has run. When the results recorded in the
// current workflow task leave no room for this one and the workflow's
// result, each at most MaxJSON, it first ends the task with a timer of a
// millisecond: otherwise the server would refuse the task's completion,
// and the run would retry it forever. A local activity running reserves
// MaxJSON, though a Prep's value goes out twice (recorded, and as Exec's
// input): parallel members whose Prep values are each near MaxJSON could
// still overfill one task together.
func (st *state) local(ctx workflow.Context, name string, arg, out any, size func() int) error {
	if st.taskBytes+st.inflight+2*MaxJSON > taskBudget {
		if err := workflow.Sleep(ctx, time.Millisecond); err != nil {
			return err
		}
		st.taskBytes = 0
	}
	st.inflight += MaxJSON // a parallel member's may run in the same task
	err := workflow.ExecuteLocalActivity(ctx, name, arg).Get(ctx, out)
	st.inflight -= MaxJSON
	if err == nil {
		st.taskBytes += size() + resultOverhead
	}
	return err
}

// resultOverhead bounds the bytes a local activity's result adds to its
// JSON: the marker's fields and the payload's metadata.
const resultOverhead = 512

// exec runs m's Exec on prep (JSON) as an activity named name+"Exec",
// per element for a batch node, with the node's policy, and returns its
// value as JSON.
func (fl *Flow[S]) exec(ctx workflow.Context, st *state, name string, m *Member[S], prep json.RawMessage) (json.RawMessage, error) {
	p := st.cfg.policyFor(m.Name, m.Policy)
	ctx = workflow.WithActivityOptions(ctx, ActivityOptions(p))
	if !m.Batch {
		return execOne(ctx, st, name, m, prep)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(prep, &items); err != nil {
		return nil, err
	}
	results, err := execBatch(ctx, p.Parallel, len(items), func(ctx workflow.Context, i int) (json.RawMessage, error) {
		return execOne(ctx, st, name, m, items[i])
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(results)
}

// execOne runs the Exec activity once (with its attempts) on arg, and the
// fallback activity when every attempt failed and the node has one.
func execOne[S any](ctx workflow.Context, st *state, name string, m *Member[S], arg json.RawMessage) (json.RawMessage, error) {
	var args []any
	if m.Prep {
		args = append(args, arg)
	}
	var e Value[json.RawMessage]
	err := workflow.ExecuteActivity(ctx, name+"Exec", args...).Get(ctx, &e)
	if !temporal.IsCanceledError(err) {
		st.taskBytes = 0 // the activity's end came in a workflow task of its own
	}
	if err != nil && m.Fallback && !temporal.IsCanceledError(err) {
		// ExecFallback is called once, as in the runtime: not retried.
		opts := workflow.GetActivityOptions(ctx)
		opts.RetryPolicy = &temporal.RetryPolicy{MaximumAttempts: 1}
		in := FallbackInput[json.RawMessage]{Prep: arg, Err: failureText(err)}
		err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), name+"Fallback", in).Get(ctx, &e)
	}
	return e.Value, err
}
