package temporal

import (
	"errors"
	"strconv"

	"github.com/digital-duck/picoflow-go/runtime"
	"go.temporal.io/sdk/temporal"
)

// The types of the application errors a flow's workflow fails with; the
// details carry what [Run.Get] makes of them.
const (
	errNodeType   = "picoflow.NodeError"
	errMaxSteps   = "picoflow.MaxSteps"
	errNotWaiting = "picoflow.NotWaiting"
	errNoStore    = "picoflow.NoStore"
)

// stepError is how a step failed, in the workflow: what a *runtime.NodeError
// holds, with the inner error as its message, since errors cross from
// activities as messages.
type stepError struct {
	flow, node string
	step       int
	phase      runtime.Phase
	text       string
	merge      *runtime.MergeError
	maxSteps   int // the limit the step would exceed; 0: not that
}

func (e *stepError) Error() string {
	if e.maxSteps > 0 {
		return "flow " + e.flow + ": step " + strconv.Itoa(e.step) + " exceeds max_steps " + strconv.Itoa(e.maxSteps)
	}
	return (&runtime.NodeError{Flow: e.flow, Node: e.node, Step: e.step, Phase: e.phase, Err: errors.New(e.text)}).Error()
}

// details is a failed run's stepError as the workflow's error carries it.
type details struct {
	Flow     string              `json:"flow"`
	Node     string              `json:"node,omitempty"`
	Step     int                 `json:"step"`
	Phase    runtime.Phase       `json:"phase,omitempty"`
	Message  string              `json:"message,omitempty"`
	Merge    *runtime.MergeError `json:"merge,omitempty"`
	MaxSteps int                 `json:"maxSteps,omitempty"`
}

// failure is the error the workflow fails with for err: a stepError as a
// non-retryable application error with its details; anything else (the
// workflow was canceled) as it is.
func failure(err error) error {
	var e *stepError
	if !errors.As(err, &e) {
		return err
	}
	d := details{Flow: e.flow, Node: e.node, Step: e.step, Phase: e.phase, Message: e.text, Merge: e.merge, MaxSteps: e.maxSteps}
	kind := errNodeType
	if e.maxSteps > 0 {
		kind = errMaxSteps
	}
	return temporal.NewApplicationErrorWithOptions(e.Error(), kind, temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{d}})
}

// failureText is the message of an activity's failure: the error the
// activity returned (its own message, without Temporal's decorations), or
// what stopped it (a timeout, a panic).
func failureText(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	var panicked *temporal.PanicError
	if errors.As(err, &panicked) {
		return "panic: " + panicked.Error()
	}
	var act *temporal.ActivityError
	if errors.As(err, &act) && errors.Unwrap(act) != nil {
		return errors.Unwrap(act).Error()
	}
	return err.Error()
}

// RunError is what [Run.Get] returns for err, the error of a flow's
// workflow, for a test that runs the workflow in the SDK's test
// environment (testsuite), which has no client:
// a *runtime.NodeError (its Err a *runtime.MergeError for a conflict in a
// group, else the failure's message, which unwraps to Temporal's error),
// an error matching runtime.ErrMaxSteps, or Temporal's error as it is.
func RunError(err error) error {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || (app.Type() != errNodeType && app.Type() != errMaxSteps) || !app.HasDetails() {
		return err
	}
	var d details
	if app.Details(&d) != nil {
		return err
	}
	if app.Type() == errMaxSteps {
		return &remote{text: app.Message(), err: err, is: runtime.ErrMaxSteps}
	}
	var inner error = &remote{text: d.Message, err: err}
	if d.Merge != nil {
		inner = d.Merge
	}
	return &runtime.NodeError{Flow: d.Flow, Node: d.Node, Step: d.Step, Phase: d.Phase, Err: inner}
}

// remote is an error that crossed from a workflow as its message: it
// unwraps to Temporal's error (and to is, when set).
type remote struct {
	text string
	err  error
	is   error
}

func (e *remote) Error() string { return e.text }
func (e *remote) Unwrap() []error {
	if e.is == nil {
		return []error{e.err}
	}
	return []error{e.err, e.is}
}
