package runtime

import (
	"context"
	"time"
)

// Option configures one run of a flow; pass it to the generated Run method.
type Option func(*config)

// config collects the options of one run before Start applies them.
type config struct {
	hooks        []Hooks
	cp           Checkpointer
	maxSteps     int
	maxStepsSet  bool
	durability   Durability
	runID        string
	policy       func(node string, p Policy) Policy
	interceptors []Interceptor
}

// WithHooks reports the run's events to h. It may be given several times:
// every set of hooks fires, in the order given.
func WithHooks(h Hooks) Option {
	return func(c *config) { c.hooks = append(c.hooks, h) }
}

// WithMaxSteps overrides the flow's max_steps: the run fails with
// [ErrMaxSteps] when it would begin step n+1. n <= 0 means no limit.
func WithMaxSteps(n int) Option {
	return func(c *config) { c.maxSteps, c.maxStepsSet = n, true }
}

// WithCheckpoints saves a [Checkpoint] through c after every step, so that
// the run can be continued with the flow's Resume method after a crash or a
// stop. A failed save fails the run. Given several times, the last one wins;
// WithCheckpoints(nil) turns checkpoints off.
func WithCheckpoints(c Checkpointer) Option {
	return func(cf *config) { cf.cp = c }
}

// WithRunID gives the run the ID id, which events, log lines and
// checkpoints carry, in place of a fresh random one ("" keeps the random
// one). A resumed run keeps its checkpoint's ID unless this says otherwise.
func WithRunID(id string) Option {
	return func(c *config) { c.runID = id }
}

// WithPolicy overrides the Exec policy of the run's nodes: f gets each
// node's name and the policy its .pico declares and returns the one to use
// (attempts, wait, backoff, timeout; parallel too, for a batch node). A
// test can run a flow with `wait 30s` retries in milliseconds. Given
// several times, the last one wins.
func WithPolicy(f func(node string, p Policy) Policy) Option {
	return func(c *config) { c.policy = f }
}

// Interceptor wraps one step of a run: it is called with the context of
// the run, an event naming the step (Flow, RunID, Node, Step) and step,
// which runs the node (Prep, Exec, Post) with the context given to it, so
// that a span started here is the parent of the node's own. It returns
// step's error, or its own. The members of a parallel group run at once,
// so an interceptor may be called from several goroutines; their events
// have Step 0, as a member's step is numbered only when it begins.
type Interceptor func(ctx context.Context, e NodeEvent, step func(context.Context) error) error

// WithInterceptor wraps every step of the run in ic. Given several times,
// they compose in the order given: the first is the outermost.
func WithInterceptor(ic Interceptor) Option {
	return func(c *config) {
		if ic != nil {
			c.interceptors = append(c.interceptors, ic)
		}
	}
}

// WithDurability says when the run saves its checkpoints (see
// [Durability]); without it, DurabilitySync: before the next step begins.
// It matters only with [WithCheckpoints].
func WithDurability(d Durability) Option {
	return func(c *config) { c.durability = d }
}

// Hooks receives the events of a run, in the manner of
// net/http/httptrace.ClientTrace: every field is optional, and a run without
// hooks pays nothing for them. Hooks are called synchronously, one at a time
// (Retry hooks of a parallel batch run on its worker goroutines, serialized
// by the run), so a hook needs no locking of its own.
type Hooks struct {
	FlowStart func(FlowEvent)  // before the first step
	NodeStart func(NodeEvent)  // a step begins: Step and Node set
	NodeEnd   func(NodeEvent)  // a step succeeded: Action ("" for a terminal node), Elapsed
	NodeError func(NodeEvent)  // a step failed: Err is the *NodeError, Elapsed
	Retry     func(RetryEvent) // after a failed Exec attempt, before the pause
	// every attempt failed (for a batch: of one element) and the node's
	// ExecFallback is about to run: Attempt is the attempts made, Err the
	// last one's error
	Fallback func(RetryEvent)
	// after a Post (even one that failed: its writes happened), once per
	// store field it changed. Generated code compares the store before and
	// after Post only when some set of hooks has StoreWrite.
	StoreWrite func(WriteEvent)
	Emit       func(EmitEvent) // node code called runtime.Emit
	FlowEnd    func(FlowEvent) // the run ended: Steps, Err, Elapsed
}

// EmitEvent is a value that node code of a step passed to [Emit].
type EmitEvent struct {
	Flow, RunID, Node string
	Step              int
	Value             any
}

// FlowEvent describes the start or the end of a run. Steps is the number of
// the last step begun, including one that failed: at FlowStart it is 0, or
// the checkpoint's step for a resumed run.
type FlowEvent struct {
	Flow, RunID string
	Steps       int
	Err         error
	Elapsed     time.Duration
	graph       func() *Graph
}

// Graph returns the shape of the flow that starts, at FlowStart (nil in
// other events, and for a run made by hand rather than by a generated
// flow).
func (e FlowEvent) Graph() *Graph {
	if e.graph == nil {
		return nil
	}
	return e.graph()
}

// NodeEvent describes one step: one node run (prep, exec with its attempts,
// post).
type NodeEvent struct {
	Flow, RunID, Node string
	Step              int
	Action            string
	Err               error
	Elapsed           time.Duration
}

// RetryEvent describes a failed Exec attempt that will be tried again after
// Wait. Attempt counts from 1.
type RetryEvent struct {
	Flow, RunID, Node string
	Step, Attempt     int
	Err               error
	Wait              time.Duration
}

// WriteEvent describes one store field that a Post changed. Field is the
// field's name in the .pico file; Old and New are its values before and
// after the Post (slices and maps were copied before it, so a change made in
// place shows).
type WriteEvent struct {
	Flow, RunID, Node string
	Step              int
	Field             string
	Old, New          any
}

// hasAny reports whether h sets at least one func, so that WithHooks(Hooks{})
// keeps a run on the zero-cost path.
func (h *Hooks) hasAny() bool {
	return h.FlowStart != nil || h.NodeStart != nil || h.NodeEnd != nil ||
		h.NodeError != nil || h.Retry != nil || h.Fallback != nil || h.StoreWrite != nil ||
		h.Emit != nil || h.FlowEnd != nil
}
