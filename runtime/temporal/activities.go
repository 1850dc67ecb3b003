package temporal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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
// Post, as JSON, and the value of the action Post returned (0 for a
// terminal node).
type PostOutput struct {
	Store  json.RawMessage `json:"store"`
	Action int             `json:"action"`
}

// MaxJSON is the most bytes a store, or a value of Prep or Exec, may take
// as JSON on Temporal. Each travels in an activity's result, and Temporal
// refuses a payload over 2 MiB by default (the server's
// limit.blobSize.error); but the results of local activities reach the
// server together, in the completion of a workflow task, which its gRPC
// frontend takes up to 4 MiB. At 1 MiB, a task always has room for one
// more result and the workflow's own (see taskBudget). A phase whose
// result is larger fails with an error that says so, rather than the
// server refusing the workflow task, which would stop the run for good.
const MaxJSON = 1 << 20

// encode is v as JSON, within MaxJSON; what names v in the error.
func encode(v any, what string) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxJSON {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"%s is %d bytes as JSON, more than the %d that Temporal's payload limit leaves for it: keep large data outside the store (in a blob store, say) and a key to it inside",
			what, len(b), MaxJSON), errTooLarge, nil)
	}
	return b, nil
}

// errTooLarge is the type of encode's error.
const errTooLarge = "picoflow.TooLarge"

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
func Prep[S, P any](prep func(context.Context, *S) (P, error)) func(context.Context, json.RawMessage) (Value[json.RawMessage], error) {
	return func(ctx context.Context, store json.RawMessage) (Value[json.RawMessage], error) {
		var s S
		if err := json.Unmarshal(store, &s); err != nil {
			return Value[json.RawMessage]{}, err
		}
		p, err := prep(ctx, &s)
		if err != nil {
			return Value[json.RawMessage]{}, err
		}
		b, err := encode(p, "Prep's value")
		return Value[json.RawMessage]{b}, err
	}
}

// Post is the activity of a node's Post: post gets the store and the
// values of the phases before it (struct{} for a phase the node does not
// have) and returns the value of its action. A node without Exec or await
// runs its Prep in post, and marks its error with [PrepError].
func Post[S, P, E any](post func(ctx context.Context, s *S, prep P, exec E) (int, error)) func(context.Context, PostInput) (PostOutput, error) {
	return func(ctx context.Context, in PostInput) (PostOutput, error) {
		var s S
		var p P
		var e E
		if err := decode(in.Store, &s); err != nil {
			return PostOutput{}, err
		}
		if err := decode(in.Prep, &p); err != nil {
			return PostOutput{}, err
		}
		if err := decode(in.Exec, &e); err != nil {
			return PostOutput{}, err
		}
		a, err := post(ctx, &s, p, e)
		if err != nil {
			return PostOutput{}, err
		}
		store, err := encode(&s, "the store")
		return PostOutput{Store: store, Action: a}, err
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
func Exec[P, E any](exec func(context.Context, P) (E, error)) func(context.Context, P) (Value[json.RawMessage], error) {
	return func(ctx context.Context, p P) (Value[json.RawMessage], error) {
		e, err := exec(ctx, p)
		return execValue(e, ExecError(err))
	}
}

// ExecNoPrep is [Exec] for a node without prep.
func ExecNoPrep[E any](exec func(context.Context) (E, error)) func(context.Context) (Value[json.RawMessage], error) {
	return func(ctx context.Context) (Value[json.RawMessage], error) {
		e, err := exec(ctx)
		return execValue(e, ExecError(err))
	}
}

// Fallback is the activity of a node's ExecFallback, run once when every
// attempt of Exec has failed.
func Fallback[P, E any](fallback func(context.Context, P, error) (E, error)) func(context.Context, FallbackInput[P]) (Value[json.RawMessage], error) {
	return func(ctx context.Context, in FallbackInput[P]) (Value[json.RawMessage], error) {
		return execValue(fallback(ctx, in.Prep, in.LastError()))
	}
}

// FallbackNoPrep is [Fallback] for a node without prep.
func FallbackNoPrep[E any](fallback func(context.Context, error) (E, error)) func(context.Context, FallbackInput[struct{}]) (Value[json.RawMessage], error) {
	return func(ctx context.Context, in FallbackInput[struct{}]) (Value[json.RawMessage], error) {
		return execValue(fallback(ctx, in.LastError()))
	}
}

// execValue is the result of an Exec or Fallback activity that returned e
// and err.
func execValue[E any](e E, err error) (Value[json.RawMessage], error) {
	if err != nil {
		return Value[json.RawMessage]{}, err
	}
	b, err := encode(e, "Exec's value")
	return Value[json.RawMessage]{b}, err
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
