package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Run is the state of one run of a flow. Generated code creates it with
// [Start] or [Resume] and calls its methods around every step; users never
// touch it.
type Run struct {
	flow     string // the flow given to Start: FlowStart, FlowEnd and checkpoints report it
	schema   string // the store schema fingerprint that checkpoints record
	id       string
	cur      string // the flow of the current node (a subflow's, inside one)
	node     string
	step     int
	maxSteps int // <= 0: no limit
	limit    int // maxSteps, or the largest int: one comparison per step
	phase    Phase
	hooks    []Hooks         // empty on the zero-cost path
	hookErr  error           // the first panic of a hook that could not fail the run at once
	observed bool            // hooks or checkpoints are set: steps take the slow path
	writes   bool            // some set of hooks has StoreWrite
	cp       Checkpointer    // nil: no checkpoints
	ctx      context.Context // the context of the current step, for cp.Save
	start    time.Time       // set only when hooks are
	// began is when the current step began, as time since start: reading
	// only the monotonic clock costs about half of time.Now. It is the end
	// of the previous step unless a checkpoint was saved between them.
	began time.Duration
	path  []string   // the subflow members entered, outermost first
	mu    sync.Mutex // serializes Retry hooks of a parallel batch
	// config holds the options as given, applied in place.
	config config
}

// Start begins a run of flow, limited to maxSteps steps (<= 0: no limit)
// unless [WithMaxSteps] says otherwise, and fires FlowStart. schema is the
// fingerprint of the store's fields that generated code computes; checkpoints
// record it so that [Resume] can refuse one saved with another store.
func Start(flow, schema string, maxSteps int, opts []Option) *Run {
	return newRun(flow, schema, "", 0, maxSteps, opts)
}

// Resume begins a run of flow that continues checkpoint cp: it keeps cp's
// run ID, numbers steps on from cp.Step (so max_steps counts the steps
// before the checkpoint too) and fires FlowStart with Steps = cp.Step. It
// fails when cp is nil, belongs to another flow, has another store schema
// (the error wraps [ErrSchemaMismatch]) or a newer format. Generated code
// restores the store from cp.Store and runs from cp.Next; when cp.Next is ""
// the run had finished and there is nothing to do.
func Resume(cp *Checkpoint, flow, schema string, maxSteps int, opts []Option) (*Run, error) {
	switch {
	case cp == nil:
		return nil, fmt.Errorf("resume flow %s: nil checkpoint", flow)
	case cp.Flow != flow:
		return nil, fmt.Errorf("resume flow %s: checkpoint belongs to flow %s", flow, cp.Flow)
	case cp.Schema != schema:
		return nil, fmt.Errorf("resume flow %s: %w: the checkpoint has %q, the store now has %q", flow, ErrSchemaMismatch, cp.Schema, schema)
	case cp.Version > CheckpointVersion:
		return nil, fmt.Errorf("resume flow %s: checkpoint version %d is newer than this runtime reads (%d)", flow, cp.Version, CheckpointVersion)
	case cp.Step < 0:
		return nil, fmt.Errorf("resume flow %s: checkpoint has step %d", flow, cp.Step)
	}
	// A checkpoint made by hand has no ID: the run gets a fresh one.
	return newRun(flow, schema, cp.RunID, cp.Step, maxSteps, opts), nil
}

// newRun applies opts and fires FlowStart for Start and Resume.
func newRun(flow, schema, id string, step, maxSteps int, opts []Option) *Run {
	// The options are applied to the Run's own config: a config of its own
	// would escape to the heap through the option funcs, an allocation more
	// per run.
	r := &Run{flow: flow, schema: schema, cur: flow, id: id, step: step}
	c := &r.config
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.maxStepsSet {
		maxSteps = c.maxSteps
	}
	r.maxSteps, r.limit, r.cp = maxSteps, maxSteps, c.cp
	if maxSteps <= 0 {
		r.limit = math.MaxInt
	}
	// Merge the hook sets once, so steps only range over a ready slice.
	for _, h := range c.hooks {
		if h.hasAny() {
			r.hooks = append(r.hooks, h)
			r.writes = r.writes || h.StoreWrite != nil
		}
	}
	r.observed = len(r.hooks) > 0 || r.cp != nil
	// Only hooks and checkpoints read the ID: a plain run does without the
	// random read and the allocation of making one.
	if r.observed && r.id == "" {
		r.id = newRunID()
	}
	if len(r.hooks) == 0 {
		return r
	}
	r.start = time.Now()
	ev := FlowEvent{Flow: flow, RunID: r.id, Steps: step}
	for i := range r.hooks {
		if f := r.hooks[i].FlowStart; f != nil {
			if err := callHook("FlowStart", f, ev, nil); err != nil {
				r.hookFailed(err)
				break
			}
		}
	}
	return r
}

// callHook calls the hook f, called name, with ev. A panic in it becomes a
// *HookError, which wraps cause (the error being reported, if any): a hook
// must not take the process down, nor escape Run.
func callHook[E any](name string, f func(E), ev E, cause error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &HookError{Hook: name, Value: v, Stack: debug.Stack(), Err: cause}
		}
	}()
	f(ev)
	return nil
}

// hookFailed records the first hook failure of a run where no error can be
// returned at once: the next step is refused with it, and Finish returns it.
func (r *Run) hookFailed(err error) {
	if r.hookErr == nil {
		r.hookErr = err
		r.limit = r.step // the next Begin refuses, at no cost to Begin
	}
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
	if ctx.Err() != nil || r.step >= r.limit {
		return r.refuse(ctx, flow)
	}
	r.step++
	r.cur, r.node, r.phase = flow, node, PhasePrep
	if r.observed {
		return r.beginObserved(ctx)
	}
	return nil
}

// refuse is the error of a step that may not begin; apart from Begin so
// that Begin is small enough for the compiler to inline.
func (r *Run) refuse(ctx context.Context, flow string) error {
	if r.hookErr != nil {
		return r.hookErr
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("flow %s: canceled before step %d: %w", flow, r.step+1, err)
	}
	return &maxStepsError{flow: flow, step: r.step + 1, max: r.maxSteps}
}

// beginObserved is Begin's part for runs with hooks or checkpoints, apart so
// that a plain step does only the few stores above.
func (r *Run) beginObserved(ctx context.Context) error {
	if r.cp != nil {
		r.ctx = ctx
	}
	if len(r.hooks) == 0 {
		return nil
	}
	if r.cp != nil {
		// The previous step's checkpoint was saved after its end was
		// timed: this step is timed from now. Without checkpoints the
		// previous End's clock read marks the start (see End).
		r.began = time.Since(r.start)
	}
	ev := NodeEvent{Flow: r.cur, RunID: r.id, Node: r.node, Step: r.step}
	for i := range r.hooks {
		if f := r.hooks[i].NodeStart; f != nil {
			if err := callHook("NodeStart", f, ev, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// elapsed is the time since the current step began.
func (r *Run) elapsed() time.Duration { return time.Since(r.start) - r.began }

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
	ev := NodeEvent{Flow: r.cur, RunID: r.id, Node: r.node, Step: r.step, Err: ne, Elapsed: r.elapsed()}
	for i := range r.hooks {
		if f := r.hooks[i].NodeError; f != nil {
			if err := callHook("NodeError", f, ev, ne); err != nil {
				return err
			}
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

// Observed reports whether hooks or checkpoints watch the run. Generated
// code calls End only then, so that a plain step neither converts its action
// to an interface nor makes a call.
func (r *Run) Observed() bool { return r.observed }

// End finishes the current step, which chose action (nil for a terminal
// node) and hands over to the node next ("" when the flow finished), and
// fires NodeEnd. With [WithCheckpoints] it then saves a [Checkpoint] of the
// step with store (a pointer to the store, encoded with encoding/json); a
// failed save fails the run with the error End returns. Generated code calls
// it only when [Run.Observed]; without hooks or checkpoints it does nothing.
//
// End takes no context: the Checkpointer gets the one given to the step's
// [Run.Begin], so that a remote one sees the run's deadline, cancellation
// and values (a trace ID, say).
func (r *Run) End(action fmt.Stringer, next string, store any) error {
	name := ""
	if action != nil {
		name = action.String()
	}
	if len(r.hooks) != 0 {
		// One clock read ends this step and, when no checkpoint is saved
		// in between, begins the next: a clock read costs as much as the
		// rest of a hooked step.
		now := time.Since(r.start)
		ev := NodeEvent{Flow: r.cur, RunID: r.id, Node: r.node, Step: r.step, Action: name, Elapsed: now - r.began}
		r.began = now
		if r.hookErr != nil {
			return r.hookErr // a StoreWrite hook of this step panicked
		}
		for i := range r.hooks {
			if f := r.hooks[i].NodeEnd; f != nil {
				if err := callHook("NodeEnd", f, ev, nil); err != nil {
					return err
				}
			}
		}
	}
	if r.cp == nil {
		return nil
	}
	if err := r.save(name, next, store); err != nil {
		return fmt.Errorf("flow %s: checkpoint after step %d: %w", r.flow, r.step, err)
	}
	return nil
}

// save builds the checkpoint of the step that just ended and saves it. It
// is apart from End so that End stays small and free of allocations when
// checkpoints are off.
func (r *Run) save(action, next string, store any) error {
	data, err := json.Marshal(store)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	cp := &Checkpoint{
		Version: CheckpointVersion,
		Flow:    r.flow,
		RunID:   r.id,
		Step:    r.step,
		Node:    r.node,
		Action:  action,
		Next:    r.nextPath(next),
		Schema:  r.schema,
		Time:    time.Now().UTC(),
		Store:   data,

		marshaled: true,
	}
	ctx := r.ctx
	if ctx == nil {
		ctx = context.Background() // End before any Begin: no step to speak of
	}
	return r.cp.Save(ctx, cp)
}

// EnterSubflow records that the current flow runs its subflow member name,
// so that a checkpoint taken inside it names its next node by the path from
// the top-level flow ("Research/Fetch"), which generated Resume follows back
// down. ExitSubflow undoes it when the subflow returns its outcome.
func (r *Run) EnterSubflow(name string) { r.path = append(r.path, name) }

// ExitSubflow undoes the latest EnterSubflow.
func (r *Run) ExitSubflow() { r.path = r.path[:len(r.path)-1] }

// nextPath qualifies next, a member of the innermost running flow, with the
// subflow members that lead to it.
func (r *Run) nextPath(next string) string {
	if len(r.path) == 0 || next == "" {
		return next
	}
	return strings.Join(r.path, "/") + "/" + next
}

// WatchesWrites reports whether some set of hooks has StoreWrite: only then
// does generated code copy the store before Post to report its writes.
func (r *Run) WatchesWrites() bool { return r.writes }

// Write fires StoreWrite for field (its .pico name) of the store, which the
// current node's Post changed from old to new.
func (r *Run) Write(field string, old, new any) {
	if !r.writes {
		return
	}
	ev := WriteEvent{Flow: r.cur, RunID: r.id, Node: r.node, Step: r.step, Field: field, Old: old, New: new}
	for i := range r.hooks {
		if f := r.hooks[i].StoreWrite; f != nil && r.hookErr == nil {
			if err := callHook("StoreWrite", f, ev, nil); err != nil {
				// Write returns nothing: the step fails at its End, or
				// the run at Finish.
				r.hookFailed(err)
			}
		}
	}
}

// Finish ends the run with err (nil on success), fires FlowEnd and returns
// err, or the error of a hook that panicked.
func (r *Run) Finish(err error) error {
	if len(r.hooks) == 0 {
		return err
	}
	if err == nil {
		err = r.hookErr
	}
	ev := FlowEvent{Flow: r.flow, RunID: r.id, Steps: r.step, Err: err, Elapsed: time.Since(r.start)}
	for i := range r.hooks {
		if f := r.hooks[i].FlowEnd; f != nil {
			if herr := callHook("FlowEnd", f, ev, err); herr != nil {
				return herr
			}
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
// again after wait; the error is that of a hook that panicked.
func (r *Run) retried(attempt int, err error, wait time.Duration) error {
	if len(r.hooks) == 0 {
		return nil
	}
	ev := RetryEvent{Flow: r.cur, RunID: r.id, Node: r.node, Step: r.step, Attempt: attempt, Err: err, Wait: wait}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.hooks {
		if f := r.hooks[i].Retry; f != nil {
			if herr := callHook("Retry", f, ev, err); herr != nil {
				return herr
			}
		}
	}
	return nil
}
