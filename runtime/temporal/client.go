package temporal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Client and StartOptions are the Temporal client's, named here so that a
// generated X.temporal.go imports no package of the SDK, whose names could
// collide with the package's own.
type (
	Client       = client.Client
	StartOptions = client.StartWorkflowOptions
)

// Run is a run of a flow on Temporal: a workflow execution, followed
// through its Continue-As-New runs. The generated Start<Flow> returns one
// inside a type of the flow's (SupportRun), which adds a typed
// Resume<Node> per await node.
type Run[S any] struct {
	Client client.Client
	// ID is the workflow ID; RunID the first run's. Queries and answers
	// go to the workflow's current run.
	ID, RunID string
}

// Start starts flow's workflow on the store s with Temporal's options
// (opts.TaskQueue is the queue of the workers that registered the flow).
func Start[S any](ctx context.Context, c client.Client, opts client.StartWorkflowOptions, flow string, s *S) (*Run[S], error) {
	wr, err := c.ExecuteWorkflow(ctx, opts, flow, Input[S]{Store: s})
	if err != nil {
		return nil, err
	}
	return &Run[S]{Client: c, ID: wr.GetID(), RunID: wr.GetRunID()}, nil
}

// Get waits for the run to end and returns its final store. A failed run's
// error is a *runtime.NodeError naming the flow, node, step and phase (for
// a merge conflict with a *runtime.MergeError inside), or one that matches
// runtime.ErrMaxSteps; either unwraps to Temporal's error. Other errors
// (the run was canceled or timed out) are Temporal's.
func (r *Run[S]) Get(ctx context.Context) (*S, error) {
	var s S
	if err := r.Client.GetWorkflow(ctx, r.ID, r.RunID).Get(ctx, &s); err != nil {
		return nil, RunError(err)
	}
	return &s, nil
}

// Waiting returns where the run waits for an answer, or nil when it waits
// for none (yet, or any more).
func (r *Run[S]) Waiting(ctx context.Context) (*Waiting, error) {
	v, err := r.Client.QueryWorkflow(ctx, r.ID, "", QueryWaiting)
	if err != nil {
		return nil, err
	}
	var w *Waiting
	if err := v.Get(&w); err != nil {
		return nil, err
	}
	return w, nil
}

// Store returns the run's store as its last completed step left it.
func (r *Run[S]) Store(ctx context.Context) (*S, error) {
	v, err := r.Client.QueryWorkflow(ctx, r.ID, "", QueryStore)
	if err != nil {
		return nil, err
	}
	var s S
	if err := v.Get(&s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Answer gives answer to the run waiting at await node node, and returns
// once the run has taken it: the generated Resume<Node> methods call it
// with the node's answer type. A run that does not wait there refuses it
// with an error that says so, and the run is left as it was.
func (r *Run[S]) Answer(ctx context.Context, node string, answer any) error {
	h, err := r.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   r.ID,
		UpdateName:   node,
		Args:         []any{Value[any]{answer}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == errNotWaiting {
		return &remote{text: app.Message(), err: err} // without Temporal's decorations
	}
	return err
}

// Question returns the question of run r when it waits at await node
// node: that node's Prep value, decoded as a Q; waiting is false when the
// run waits elsewhere or not at all. The generated Question<Node> methods
// call it with the node's prep type.
func Question[Q, S any](ctx context.Context, r *Run[S], node string) (q Q, waiting bool, err error) {
	w, err := r.Waiting(ctx)
	if err != nil || w == nil || w.Node != node {
		return q, false, err
	}
	if err := json.Unmarshal(w.Question, &q); err != nil {
		return q, false, fmt.Errorf("flow %s: the question of %s: %w", w.Flow, node, err)
	}
	return q, true, nil
}
