package temporal

import (
	"encoding/json"
	"errors"

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
		if err := workflow.ExecuteLocalActivity(local, name+"Prep", in.Store).Get(ctx, &p); err != nil {
			return 0, fail(runtime.PhasePrep, err)
		}
		in.Prep = p.Value
	}
	switch {
	case m.Await:
		st.waiting = &Waiting{Flow: fl.Name, Node: m.Name, Step: step, Question: in.Prep}
		err := workflow.Await(ctx, func() bool { return st.answer != nil })
		in.Exec, st.waiting, st.answer = st.answer, nil, nil
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
	out := struct {
		Store  *S  `json:"store"`
		Action int `json:"action"`
	}{Store: new(S)}
	if err := workflow.ExecuteLocalActivity(local, name+"Post", in).Get(ctx, &out); err != nil {
		phase := runtime.PhasePost
		var app *temporal.ApplicationError
		if errors.As(err, &app) && app.Type() == errPrep {
			phase = runtime.PhasePrep // a Prep run in Post's activity
		}
		return 0, fail(phase, err)
	}
	*s = *out.Store
	return out.Action, nil
}

// exec runs m's Exec on prep (JSON) as an activity named name+"Exec",
// per element for a batch node, with the node's policy, and returns its
// value as JSON.
func (fl *Flow[S]) exec(ctx workflow.Context, st *state, name string, m *Member[S], prep json.RawMessage) (json.RawMessage, error) {
	p := st.cfg.policyFor(m.Name, m.Policy)
	ctx = workflow.WithActivityOptions(ctx, ActivityOptions(p))
	if !m.Batch {
		return execOne(ctx, name, m, prep)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(prep, &items); err != nil {
		return nil, err
	}
	results, err := execBatch(ctx, p.Parallel, len(items), func(ctx workflow.Context, i int) (json.RawMessage, error) {
		return execOne(ctx, name, m, items[i])
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(results)
}

// execOne runs the Exec activity once (with its attempts) on arg, and the
// fallback activity when every attempt failed and the node has one.
func execOne[S any](ctx workflow.Context, name string, m *Member[S], arg json.RawMessage) (json.RawMessage, error) {
	var args []any
	if m.Prep {
		args = append(args, arg)
	}
	var e Value[json.RawMessage]
	err := workflow.ExecuteActivity(ctx, name+"Exec", args...).Get(ctx, &e)
	if err != nil && m.Fallback && !temporal.IsCanceledError(err) {
		// ExecFallback is called once, as in the runtime: not retried.
		opts := workflow.GetActivityOptions(ctx)
		opts.RetryPolicy = &temporal.RetryPolicy{MaximumAttempts: 1}
		in := FallbackInput[json.RawMessage]{Prep: arg, Err: failureText(err)}
		err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), name+"Fallback", in).Get(ctx, &e)
	}
	return e.Value, err
}
