// Package temporal runs picoflow flows on Temporal (https://temporal.io),
// for flows that outgrow one machine: workers on many machines, retries
// and timers that survive any crash, and Temporal's UI over every run.
//
// It is a module of its own, so that the Temporal SDK's dependencies enter
// only the builds of programs that import it:
//
//	go get github.com/digital-duck/picoflow-go/runtime/temporal
//
// Its name is Temporal's SDK package's too; import it under another name
// beside that one (pftemporal, say).
//
// `picoflow generate -temporal` writes X.temporal.go beside X.pico.go: per
// flow its table ([Flow]), RegisterX to register the workflow and its
// activities with a worker, and a typed client (StartX, GetXRun, and on
// the run Get and Resume<Node>). The workflow's code is this package's:
// it drives the table as the in-process runtime does, with Prep and Post
// as local activities, Exec as an activity whose retry policy and timeout
// come from the node's settings ([ActivityOptions]), batch elements as
// activities at most `parallel` at once, subflows inline, parallel groups
// as workflow coroutines merged by the generated merge, await nodes as
// Updates, and Continue-As-New for long runs. The project's README maps
// each part of a flow onto Temporal.
package temporal

import (
	"errors"
	"math"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// DefaultExecTimeout is the start-to-close timeout of an Exec activity
// whose node sets no timeout: Temporal needs one to tell a lost worker from
// a slow activity, and the runtime has no default.
const DefaultExecTimeout = 10 * time.Minute

// minWait is the pause Temporal is asked for when the node pauses not at
// all: a zero interval means Temporal's default of one second.
const minWait = time.Millisecond

// ActivityOptions are the options of the activity that runs the Exec of a
// node with policy p: its attempts and pauses as the retry policy (see
// [RetryPolicy]), its timeout per attempt as the start-to-close timeout
// (DefaultExecTimeout when the node sets none).
func ActivityOptions(p runtime.Policy) workflow.ActivityOptions {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultExecTimeout
	}
	return workflow.ActivityOptions{StartToCloseTimeout: timeout, RetryPolicy: RetryPolicy(p)}
}

// RetryPolicy is Temporal's retry policy for policy p: at most p.Attempts
// attempts, the first pause p.Wait, each further one p.Backoff times the
// one before, as the runtime pauses; the pauses are capped at the last one
// the runtime would make, since Temporal otherwise caps them at 100 times
// the first.
func RetryPolicy(p runtime.Policy) *temporal.RetryPolicy {
	attempts := max(p.Attempts, 1)
	backoff := max(p.Backoff, 1)
	wait := max(p.Wait, minWait)
	last := time.Duration(float64(wait) * math.Pow(backoff, float64(max(attempts-2, 0))))
	if last < wait || last > math.MaxInt64/2 {
		last = math.MaxInt64 / 2 // the powers overflowed: no cap worth the name
	}
	return &temporal.RetryPolicy{
		InitialInterval:    wait,
		BackoffCoefficient: backoff,
		MaximumInterval:    max(last, wait),
		MaximumAttempts:    int32(min(attempts, math.MaxInt32)),
	}
}

// retryAfter is implemented by errors that know when to try again (an HTTP
// 429 with a Retry-After header), as the runtime's Exec reads them.
type retryAfter interface{ RetryAfter() time.Duration }

// ExecError is the error an Exec activity returns for err, the error of the
// node's Exec: err marked with runtime.Permanent becomes a non-retryable
// application error, so that Temporal stops as the runtime does, and an
// error with a RetryAfter method sets the pause before the next attempt
// (at most runtime.MaxRetryAfter). Other errors, and nil, are returned as
// they are. The message is err's; errors.Is and errors.As see err through
// the activity's error only in the worker, since an error crosses to the
// workflow as its message and type.
func ExecError(err error) error {
	if err == nil {
		return nil
	}
	opts := temporal.ApplicationErrorOptions{Cause: err}
	var ra retryAfter
	switch {
	case runtime.IsPermanent(err):
		opts.NonRetryable = true
	case errors.As(err, &ra) && ra.RetryAfter() > 0:
		opts.NextRetryDelay = min(ra.RetryAfter(), runtime.MaxRetryAfter)
	default:
		return err
	}
	return temporal.NewApplicationErrorWithOptions(err.Error(), "picoflow.ExecError", opts)
}
