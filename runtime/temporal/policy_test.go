package temporal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

func TestRetryPolicy(t *testing.T) {
	for _, c := range []struct {
		p    runtime.Policy
		want temporal.RetryPolicy
	}{
		// One attempt, no pause: Temporal's zero interval would mean 1s.
		{runtime.Policy{}, temporal.RetryPolicy{InitialInterval: time.Millisecond, BackoffCoefficient: 1, MaximumInterval: time.Millisecond, MaximumAttempts: 1}},
		{runtime.Policy{Attempts: 3, Wait: 100 * time.Millisecond, Backoff: 2, Timeout: 5 * time.Second},
			temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 200 * time.Millisecond, MaximumAttempts: 3}},
		{runtime.Policy{Attempts: 5, Wait: time.Second},
			temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 1, MaximumInterval: time.Second, MaximumAttempts: 5}},
	} {
		if got := RetryPolicy(c.p); !reflect.DeepEqual(*got, c.want) {
			t.Errorf("RetryPolicy(%+v) = %+v, want %+v", c.p, *got, c.want)
		}
	}
	if got := ActivityOptions(runtime.Policy{Timeout: 5 * time.Second}).StartToCloseTimeout; got != 5*time.Second {
		t.Errorf("start-to-close timeout %v, want the node's 5s", got)
	}
	if got := ActivityOptions(runtime.Policy{}).StartToCloseTimeout; got != DefaultExecTimeout {
		t.Errorf("start-to-close timeout %v, want DefaultExecTimeout", got)
	}
}

// slowDown is an error that asks for a pause, as an HTTP 429 would.
type slowDown struct{ after time.Duration }

func (e slowDown) Error() string             { return fmt.Sprintf("slow down for %v", e.after) }
func (e slowDown) RetryAfter() time.Duration { return e.after }

// outcome is what a workflow of one Exec activity ended with.
type outcome struct {
	n      int // the attempt that succeeded
	err    error
	pauses []time.Duration // between attempts, by the test clock
}

// run runs a workflow that executes the Exec activity once under policy
// p, failing (with ExecError's mapping of fail's error) until fail returns
// nil. The test environment's clock skips the pauses.
func run(t *testing.T, p runtime.Policy, fail func(attempt int) error) outcome {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := s.NewTestWorkflowEnvironment()
	var mu sync.Mutex
	var started []time.Time
	env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) {
		mu.Lock()
		defer mu.Unlock()
		started = append(started, env.Now())
	})
	env.RegisterActivityWithOptions(func(ctx context.Context) (int, error) {
		attempt := int(activity.GetInfo(ctx).Attempt)
		if err := fail(attempt); err != nil {
			return 0, ExecError(err)
		}
		return attempt, nil
	}, activity.RegisterOptions{Name: "Exec"})
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) (int, error) {
		ctx = workflow.WithActivityOptions(ctx, ActivityOptions(p))
		var n int
		err := workflow.ExecuteActivity(ctx, "Exec").Get(ctx, &n)
		return n, err
	}, workflow.RegisterOptions{Name: "Flow"})
	env.ExecuteWorkflow("Flow")
	if !env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not complete")
	}
	var n int
	err := env.GetWorkflowError()
	if err == nil {
		if gerr := env.GetWorkflowResult(&n); gerr != nil {
			t.Fatal(gerr)
		}
	}
	var pauses []time.Duration
	for i := 1; i < len(started); i++ {
		pauses = append(pauses, started[i].Sub(started[i-1]).Round(time.Millisecond))
	}
	return outcome{n, err, pauses}
}

// Temporal retries Exec as the runtime would: up to the attempts, with the
// pauses growing by the backoff.
func TestRetries(t *testing.T) {
	p := runtime.Policy{Attempts: 3, Wait: 100 * time.Millisecond, Backoff: 2}
	o := run(t, p, func(attempt int) error {
		if attempt < 3 {
			return errors.New("flaky")
		}
		return nil
	})
	if o.err != nil || o.n != 3 {
		t.Fatalf("got %d, %v; want success at attempt 3", o.n, o.err)
	}
	if want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}; !reflect.DeepEqual(o.pauses, want) {
		t.Errorf("pauses %v, want %v", o.pauses, want)
	}

	o = run(t, p, func(int) error { return errors.New("down") })
	if o.err == nil || len(o.pauses) != 2 {
		t.Errorf("always failing: %v after %d pauses; want the error after 3 attempts", o.err, len(o.pauses))
	}
}

// An error marked with runtime.Permanent is not tried again; one with a
// RetryAfter hint sets the next pause.
func TestExecErrors(t *testing.T) {
	p := runtime.Policy{Attempts: 3, Wait: 100 * time.Millisecond}
	o := run(t, p, func(int) error { return fmt.Errorf("quota: %w", runtime.Permanent(errors.New("exhausted"))) })
	var ae *temporal.ApplicationError
	if !errors.As(o.err, &ae) || !ae.NonRetryable() || len(o.pauses) != 0 || ae.Message() != "quota: exhausted" {
		t.Errorf("permanent: %v after %d pauses; want a non-retryable error at once", o.err, len(o.pauses))
	}

	o = run(t, p, func(attempt int) error {
		if attempt == 1 {
			return slowDown{30 * time.Second}
		}
		return nil
	})
	if o.err != nil || o.n != 2 || !reflect.DeepEqual(o.pauses, []time.Duration{30 * time.Second}) {
		t.Errorf("retry after: %d, %v, pauses %v; want success at attempt 2 after 30s", o.n, o.err, o.pauses)
	}
	if ExecError(nil) != nil {
		t.Error("ExecError(nil) is not nil")
	}
	plain := errors.New("plain")
	if ExecError(plain) != plain {
		t.Error("ExecError changed an error that steers nothing")
	}
}
