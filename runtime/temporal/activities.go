package temporal

import (
	"context"
	"encoding/json"
	"errors"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// Value carries a phase's value between the workflow and the activities,
// as the JSON object {"value": ...}: the workflow passes values on without
// knowing their types, and an object keeps a []byte value JSON, which
// Temporal's converter would otherwise send as raw bytes.
type Value[T any] struct {
	Value T `json:"value"`
}

// PostInput is the input of a node's Post activity, as JSON: the store,
// Prep's value and Exec's (for an await node: the answer); a phase the
// node does not have is left out. Local activities get their arguments as
// the workflow's own Go values, so JSON keeps user code from changing the
// workflow's store.
type PostInput struct {
	Store json.RawMessage `json:"store"`
	Prep  json.RawMessage `json:"prep,omitempty"`
	Exec  json.RawMessage `json:"exec,omitempty"`
}

// PostOutput is the result of a node's Post activity: the store after
// Post and the value of the action Post returned (0 for a terminal node).
type PostOutput[S any] struct {
	Store  S   `json:"store"`
	Action int `json:"action"`
}

// FallbackInput is the input of a node's Fallback activity: Prep's value
// (for a batch node: the element) and the message of the last attempt's
// error.
type FallbackInput[P any] struct {
	Prep P      `json:"prep,omitempty"`
	Err  string `json:"error"`
}

// LastError is the error ExecFallback receives: the last attempt's error
// crossed from the activity to the workflow as its message and type, so
// errors.Is and errors.As no longer see the error Exec returned.
func (in FallbackInput[P]) LastError() error { return errors.New(in.Err) }

// errPrep is the type of the error of a Prep run in its Post's activity.
const errPrep = "picoflow.PrepError"

// PrepError marks err as the error of a node's Prep, for a node whose Prep
// runs in the activity of its Post (one without Exec or await).
func PrepError(err error) error {
	return temporal.NewApplicationErrorWithOptions(err.Error(), errPrep, temporal.ApplicationErrorOptions{Cause: err, NonRetryable: true})
}

// Prep is the activity of a node's Prep, which gets the store as JSON.
func Prep[S, P any](prep func(context.Context, *S) (P, error)) func(context.Context, json.RawMessage) (Value[P], error) {
	return func(ctx context.Context, store json.RawMessage) (Value[P], error) {
		var s S
		if err := json.Unmarshal(store, &s); err != nil {
			return Value[P]{}, err
		}
		p, err := prep(ctx, &s)
		return Value[P]{p}, err
	}
}

// Post is the activity of a node's Post: post gets the store and the
// values of the phases before it (struct{} for a phase the node does not
// have) and returns the value of its action. A node without Exec or await
// runs its Prep in post, and marks its error with [PrepError].
func Post[S, P, E any](post func(ctx context.Context, s *S, prep P, exec E) (int, error)) func(context.Context, PostInput) (PostOutput[S], error) {
	return func(ctx context.Context, in PostInput) (PostOutput[S], error) {
		var out PostOutput[S]
		var p P
		var e E
		if err := decode(in.Store, &out.Store); err != nil {
			return out, err
		}
		if err := decode(in.Prep, &p); err != nil {
			return out, err
		}
		if err := decode(in.Exec, &e); err != nil {
			return out, err
		}
		a, err := post(ctx, &out.Store, p, e)
		out.Action = a
		return out, err
	}
}

// decode decodes JSON into v, leaving v as it is for no JSON.
func decode(data json.RawMessage, v any) error {
	if len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, v)
}

// Exec is the activity of a node's Exec (for a batch node: per element):
// exec, its error as [ExecError] maps it.
func Exec[P, E any](exec func(context.Context, P) (E, error)) func(context.Context, P) (Value[E], error) {
	return func(ctx context.Context, p P) (Value[E], error) {
		e, err := exec(ctx, p)
		return Value[E]{e}, ExecError(err)
	}
}

// ExecNoPrep is [Exec] for a node without prep.
func ExecNoPrep[E any](exec func(context.Context) (E, error)) func(context.Context) (Value[E], error) {
	return func(ctx context.Context) (Value[E], error) {
		e, err := exec(ctx)
		return Value[E]{e}, ExecError(err)
	}
}

// Fallback is the activity of a node's ExecFallback, run once when every
// attempt of Exec has failed.
func Fallback[P, E any](fallback func(context.Context, P, error) (E, error)) func(context.Context, FallbackInput[P]) (Value[E], error) {
	return func(ctx context.Context, in FallbackInput[P]) (Value[E], error) {
		e, err := fallback(ctx, in.Prep, in.LastError())
		return Value[E]{e}, err
	}
}

// FallbackNoPrep is [Fallback] for a node without prep.
func FallbackNoPrep[E any](fallback func(context.Context, error) (E, error)) func(context.Context, FallbackInput[struct{}]) (Value[E], error) {
	return func(ctx context.Context, in FallbackInput[struct{}]) (Value[E], error) {
		e, err := fallback(ctx, in.LastError())
		return Value[E]{e}, err
	}
}

// ActivityRegistry is where a flow's activities are registered: a
// worker.Worker, or the test environment of go.temporal.io/sdk/testsuite.
type ActivityRegistry interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Activities registers the activities of a flow's nodes, each named after
// the flow, the subflows on the way to it, its node and phase:
// Support.Classify.Exec, Support.Research.Fetch.Exec. Names are the
// workflow's contract with its workers: a worker must register the
// activities of every flow whose workflow it runs.
type Activities struct {
	r      ActivityRegistry
	prefix string
}

// NewActivities returns the registrar of flow's activities with r.
func NewActivities(r ActivityRegistry, flow string) Activities {
	return Activities{r, flow + "."}
}

// Register registers fn as the activity name (Node.Phase) of the flow.
func (a Activities) Register(name string, fn any) {
	a.r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: a.prefix + name})
}

// Subflow returns the registrar of the activities of the flow's member
// subflow, named under it.
func (a Activities) Subflow(member string) Activities {
	return Activities{a.r, a.prefix + member + "."}
}

// Registry is where a flow's workflow and activities are registered: a
// worker.Worker, or the test environment of go.temporal.io/sdk/testsuite.
type Registry interface {
	WorkflowRegistry
	ActivityRegistry
}
