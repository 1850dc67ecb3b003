package temporal

import (
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// An Option configures a flow's workflow where it is registered with a
// worker (the generated Register<Flow>). Options are read by workflow code:
// every worker of a task queue should register a flow with the same ones.
type Option func(*config)

type config struct {
	policy        func(node string, p runtime.Policy) runtime.Policy
	maxSteps      *int
	continueAfter int
	local         workflow.LocalActivityOptions
}

// DefaultContinueAfter is the number of steps after which a run continues
// as new unless Temporal suggests it sooner: a step adds about ten events
// to the history, and Temporal keeps a history to 51,200 events.
const DefaultContinueAfter = 1000

// DefaultLocalTimeout bounds a Prep or Post activity: they read and write
// the store, and are not retried.
const DefaultLocalTimeout = time.Minute

func newConfig(opts []Option) config {
	c := config{continueAfter: DefaultContinueAfter}
	c.local = workflow.LocalActivityOptions{
		StartToCloseTimeout: DefaultLocalTimeout,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithPolicy overrides the Exec policy of the flow's nodes, as
// runtime.WithPolicy does for a run in process: f gets each node's name
// and the policy its .pico declares and returns the one to use.
func WithPolicy(f func(node string, p runtime.Policy) runtime.Policy) Option {
	return func(c *config) { c.policy = f }
}

func (c *config) policyFor(node string, declared runtime.Policy) runtime.Policy {
	if c.policy == nil {
		return declared
	}
	return c.policy(node, declared)
}

// WithMaxSteps overrides the flow's max_steps (0: no limit).
func WithMaxSteps(n int) Option {
	return func(c *config) { c.maxSteps = &n }
}

// WithContinueAfter makes a run continue as new after n steps (at least 1;
// default DefaultContinueAfter), or sooner when Temporal suggests it. The
// new run goes on from the next step with the store and the step count:
// nothing of the flow's state is lost, and the history starts afresh.
func WithContinueAfter(n int) Option {
	return func(c *config) { c.continueAfter = max(n, 1) }
}

// WithLocalTimeout sets the start-to-close timeout of the Prep and Post
// activities (default DefaultLocalTimeout).
func WithLocalTimeout(d time.Duration) Option {
	return func(c *config) { c.local.StartToCloseTimeout = d }
}
