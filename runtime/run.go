package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// Run is the state of one run of a flow. Generated code creates it with
// [Start] and calls its methods around every step; users never touch it.
type Run struct {
	flow     string // the flow given to Start: FlowStart and FlowEnd report it
	id       string
	cur      string // the flow of the current node (a subflow's, inside one)
	node     string
	step     int
	maxSteps int // <= 0: no limit
	phase    Phase
	hooks    []Hooks    // empty on the zero-cost path
	start    time.Time  // set only when hooks are
	began    time.Time  // start of the current step; set only when hooks are
	mu       sync.Mutex // serializes Retry hooks of a parallel batch
}

// Start begins a run of flow, limited to maxSteps steps (<= 0: no limit)
// unless [WithMaxSteps] says otherwise, and fires FlowStart.
func Start(flow string, maxSteps int, opts []Option) *Run {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.maxStepsSet {
		maxSteps = c.maxSteps
	}
	r := &Run{flow: flow, cur: flow, id: newRunID(), maxSteps: maxSteps}
	// Merge the hook sets once, so steps only range over a ready slice.
	for _, h := range c.hooks {
		if h.hasAny() {
			r.hooks = append(r.hooks, h)
		}
	}
	if len(r.hooks) == 0 {
		return r
	}
	r.start = time.Now()
	ev := FlowEvent{Flow: flow, RunID: r.id}
	for i := range r.hooks {
		if f := r.hooks[i].FlowStart; f != nil {
			f(ev)
		}
	}
	return r
}

// newRunID returns 16 random hex digits: enough to tell runs apart in logs
// and checkpoints without coordination.
func newRunID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b[:])
}

// Begin starts the next step, running node of flow. It fails, before
// counting the step, when ctx is done (the error wraps ctx.Err()) or when the
// step would exceed max_steps (the error wraps [ErrMaxSteps]).
func (r *Run) Begin(ctx context.Context, flow, node string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("flow %s: canceled before step %d: %w", flow, r.step+1, err)
	}
	if r.maxSteps > 0 && r.step >= r.maxSteps {
		return &maxStepsError{flow: flow, step: r.step + 1, max: r.maxSteps}
	}
	r.step++
	r.cur, r.node, r.phase = flow, node, PhasePrep
	if len(r.hooks) == 0 {
		return nil
	}
	r.began = time.Now()
	ev := NodeEvent{Flow: flow, Node: node, Step: r.step}
	for i := range r.hooks {
		if f := r.hooks[i].NodeStart; f != nil {
			f(ev)
		}
	}
	return nil
}

// Enter records that phase p of the current node is running, so that a
// failure or panic is attributed to it.
func (r *Run) Enter(p Phase) { r.phase = p }

// Fail returns err as a *NodeError of the current node and phase, and fires
// NodeError. An err that already is a *NodeError (from a subflow) is
// returned unchanged: it names the node that failed, and its hook has fired.
func (r *Run) Fail(err error) error {
	if err == nil {
		return nil
	}
	if ne, ok := err.(*NodeError); ok {
		return ne
	}
	ne := &NodeError{Flow: r.cur, Node: r.node, Step: r.step, Phase: r.phase, Err: err}
	if len(r.hooks) == 0 {
		return ne
	}
	ev := NodeEvent{Flow: r.cur, Node: r.node, Step: r.step, Err: ne, Elapsed: time.Since(r.began)}
	for i := range r.hooks {
		if f := r.hooks[i].NodeError; f != nil {
			f(ev)
		}
	}
	return ne
}

// BadAction fails the current node because its Post returned action (the
// value's String), which is not one of the node's actions.
func (r *Run) BadAction(action string) error {
	r.phase = PhasePost
	return r.Fail(fmt.Errorf("%w %q: not one of the node's actions", ErrBadAction, action))
}

// End finishes the current step, which chose action ("" for a terminal
// node), and fires NodeEnd.
func (r *Run) End(action string) {
	if len(r.hooks) == 0 {
		return
	}
	ev := NodeEvent{Flow: r.cur, Node: r.node, Step: r.step, Action: action, Elapsed: time.Since(r.began)}
	for i := range r.hooks {
		if f := r.hooks[i].NodeEnd; f != nil {
			f(ev)
		}
	}
}

// Finish ends the run with err (nil on success), fires FlowEnd and returns
// err unchanged.
func (r *Run) Finish(err error) error {
	if len(r.hooks) == 0 {
		return err
	}
	ev := FlowEvent{Flow: r.flow, RunID: r.id, Steps: r.step, Err: err, Elapsed: time.Since(r.start)}
	for i := range r.hooks {
		if f := r.hooks[i].FlowEnd; f != nil {
			f(ev)
		}
	}
	return err
}

// Recover turns a panic in node code into a failure of the current node
// whose error holds a *PanicError. It must be deferred directly, as
// `defer r.Recover(&err)`, because recover only works there.
func (r *Run) Recover(errp *error) {
	if v := recover(); v != nil {
		*errp = r.Fail(&PanicError{Value: v, Stack: debug.Stack()})
	}
}

// retried fires the Retry hooks for a failed attempt that will be tried
// again after wait.
func (r *Run) retried(attempt int, err error, wait time.Duration) {
	if len(r.hooks) == 0 {
		return
	}
	ev := RetryEvent{Flow: r.cur, Node: r.node, Step: r.step, Attempt: attempt, Err: err, Wait: wait}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.hooks {
		if f := r.hooks[i].Retry; f != nil {
			f(ev)
		}
	}
}
