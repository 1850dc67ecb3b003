package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Run is the state of one run of a flow. A [Flow] creates it and passes it
// to the steps of generated code, which call its methods; users never touch
// it.
type Run struct {
	// fast is the step count below which Begin only counts: max_steps for
	// a run that nothing watches and whose context cannot be canceled, or
	// the smallest int (never) for every other run. One comparison per step
	// then covers max_steps, cancellation, hooks and checkpoints.
	fast     int
	step     int
	phase    Phase
	observed bool // hooks or checkpoints are set: steps take the observed loop
	writes   bool // some set of hooks has StoreWrite
	starts   bool // some set of hooks has NodeStart
	ends     bool // some set of hooks has NodeEnd
	timed    bool // some set of hooks has NodeEnd or NodeError: steps read the clock
	ending   bool // a step's end has work: NodeEnd, timing or a checkpoint
	emits    bool // some set of hooks has Emit: the run's context carries the run
	// cancelable is whether the run's context can be canceled at all.
	cancelable bool
	// hooking is the hook being called on the run's goroutine inside a
	// step, so that the recover of the flow's loop tells its panic from
	// one in node code: a deferred recover per hook call would cost as
	// much as the rest of a hooked step.
	hooking hookKind
	depth   int    // the subflows entered
	flow    string // the flow given to Start: FlowStart, FlowEnd and checkpoints report it
	schema  string // the store schema fingerprint that checkpoints record
	id      string
	// cur and node are the flow and node of the current step, recorded
	// only for an observed run: a plain run names them where it fails.
	cur, node string
	maxSteps  int             // <= 0: no limit
	limit     int             // maxSteps, or the largest int
	entry     string          // the path of the member a resumed run goes on from, until it is there
	hooks     []Hooks         // empty on the zero-cost path
	hookErr   error           // the first panic of a hook that could not fail the run at once
	reported  *NodeError      // the last error NodeError hooks were given, so a subflow's fires once
	cp        Checkpointer    // nil: no checkpoints
	ctx       context.Context // the context of the current step, for cp.Save
	start     time.Time       // set only when hooks are
	// began is when the current step began, as time since start: reading
	// only the monotonic clock costs about half of time.Now. It is the end
	// of the previous step unless a checkpoint was saved between them.
	began time.Duration
	path  []string   // the subflow members entered, outermost first
	mu    sync.Mutex // serializes Retry hooks of a parallel batch
	saves durable    // the checkpoints not saved yet, by durability
	// policy overrides the nodes' Exec policies (WithPolicy); interceptors
	// wrap each step (WithInterceptor), the first outermost.
	policy       func(node string, p Policy) Policy
	interceptors []Interceptor
	// attempts is the number of attempts of the last Exec that failed, for
	// the Fallback hook.
	attempts int
	// emitErr is the error of an Emit hook that panicked, possibly on a
	// batch element's goroutine: the step fails with it when it ends.
	emitErr error
	// finished is set once the run has ended (see finishGoexit).
	finished bool
	// answering is set while a run resumed with an answer (ResumeAnswer)
	// has not reached its await node yet; answer and question are the
	// answer and the saved question for that node's step.
	answering bool
	answer    any
	question  []byte
	// resumeBatch is the batch progress of the checkpoint a run resumed
	// from, for the batch node it names.
	resumeBatch *BatchProgress
	// encode encodes the store for a checkpoint, when the flow has an
	// encoder; encoded is the length of the last encoding, to size the next.
	encode  func(dst []byte) ([]byte, error)
	encoded int
	// config holds the options as given, applied in place.
	config config
	// fork is set for the run of a parallel group's member: its steps are
	// counted by the group's run. group is the state of the last group the
	// run ran (a *groupState), for the next to reuse.
	fork  *fork
	group any
}

// start begins a run of flow, limited to maxSteps steps (<= 0: no limit)
// unless [WithMaxSteps] says otherwise, and fires FlowStart. schema is the
// fingerprint of the store's fields that generated code computes; checkpoints
// record it so that a resume can refuse one saved with another store. ctx is
// the run's: whether it can be canceled at all is decided here, once.
func start(ctx context.Context, flow, schema string, maxSteps int, graph func() *Graph, opts []Option) *Run {
	return newRun(ctx, flow, schema, "", 0, maxSteps, graph, opts)
}

// resume begins a run of flow that continues checkpoint cp: it keeps cp's
// run ID, numbers steps on from cp.Step (so max_steps counts the steps
// before the checkpoint too) and fires FlowStart with Steps = cp.Step. It
// fails when cp is nil, belongs to another flow, has a store schema this one
// cannot read (the error wraps [ErrSchemaMismatch] and names the field; see
// compatible) or a newer format.
func resume(ctx context.Context, cp *Checkpoint, flow, schema string, maxSteps int, graph func() *Graph, opts []Option) (*Run, error) {
	switch {
	case cp == nil:
		return nil, fmt.Errorf("resume flow %s: nil checkpoint", flow)
	case cp.Flow != flow:
		return nil, fmt.Errorf("resume flow %s: checkpoint belongs to flow %s", flow, cp.Flow)
	case cp.Version > CheckpointVersion:
		return nil, fmt.Errorf("resume flow %s: checkpoint version %d is newer than this runtime reads (%d)", flow, cp.Version, CheckpointVersion)
	case cp.Step < 0:
		return nil, fmt.Errorf("resume flow %s: checkpoint has step %d", flow, cp.Step)
	}
	if err := compatible(cp, schema); err != nil {
		return nil, fmt.Errorf("resume flow %s: %w", flow, err)
	}
	// A checkpoint made by hand has no ID: the run gets a fresh one.
	return newRun(ctx, flow, schema, cp.RunID, cp.Step, maxSteps, graph, opts), nil
}

// newRun applies opts and fires FlowStart for start and resume; graph
// (which may be nil) gives FlowStart hooks the flow's shape.
func newRun(ctx context.Context, flow, schema, id string, step, maxSteps int, graph func() *Graph, opts []Option) *Run {
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
	r.saves.mode = c.durability
	// Merge the hook sets once, so steps only range over a ready slice.
	for _, h := range c.hooks {
		if h.hasAny() {
			r.hooks = append(r.hooks, h)
			r.writes = r.writes || h.StoreWrite != nil
			r.starts = r.starts || h.NodeStart != nil
			r.ends = r.ends || h.NodeEnd != nil
			r.timed = r.timed || h.NodeEnd != nil || h.NodeError != nil
			r.emits = r.emits || h.Emit != nil
		}
	}
	r.policy, r.interceptors = c.policy, c.interceptors
	if c.runID != "" {
		r.id = c.runID
	}
	// A policy override and interceptors need each step named: they take
	// the observed loop too.
	r.observed = len(r.hooks) > 0 || r.cp != nil || r.policy != nil || len(r.interceptors) > 0
	r.ending = r.ends || r.timed || r.cp != nil
	// Whether the run's context can be canceled is decided once: for one
	// that cannot, no step asks it again. A plain run's loop asks a
	// cancelable one before each step (see Flow.drive), so that Begin only
	// counts.
	r.cancelable = ctx.Done() != nil
	// Begin has work of its own only for NodeStart hooks and checkpoints;
	// the observed loop names each step for the other hooks.
	r.fast = math.MinInt
	if !r.starts && r.cp == nil {
		r.fast = r.limit
	}
	// Only hooks and checkpoints read the ID: a plain run does without the
	// random read and the allocation of making one.
	if r.observed && r.id == "" {
		r.id = newRunID()
	}
	if len(r.hooks) == 0 {
		return r
	}
	r.start = time.Now()
	ev := FlowEvent{Flow: flow, RunID: r.id, Steps: step, graph: graph}
	// Every set's FlowStart fires, even after one panicked: each observer
	// (a run log, a tracer) keeps state from it.
	for i := range r.hooks {
		if f := r.hooks[i].FlowStart; f != nil {
			if err := callHook("FlowStart", f, ev, nil); err != nil {
				r.hookFailed(err)
			}
		}
	}
	return r
}

// hookKind is a hook called inside a step, for Run.hooking.
type hookKind uint8

const (
	noHook hookKind = iota
	inNodeStart
	inNodeEnd
	inStoreWrite
	inInterceptor
)

var hookNames = [...]string{inNodeStart: "NodeStart", inNodeEnd: "NodeEnd", inStoreWrite: "StoreWrite", inInterceptor: "Interceptor"}

// recovered is the error of a step that panicked with v: a *HookError when
// a hook was being called, else the failure of node of flow, which was
// running.
func (r *Run) recovered(flow, node string, v any) error {
	if k := r.hooking; k != noHook {
		r.hooking = noHook
		err := &HookError{Hook: hookNames[k], Value: v, Stack: debug.Stack()}
		r.hookFailed(err)
		return err
	}
	return r.panicked(flow, node, v)
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
		r.limit, r.fast = r.step, math.MinInt // the next Begin refuses
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
// step would exceed max_steps (the error wraps [ErrMaxSteps]). For a run
// that nothing watches and whose context cannot be canceled it only counts
// the step, inlined into the generated step.
func (r *Run) Begin(ctx context.Context, flow, node string) error {
	if r.step < r.fast {
		r.step++
		r.phase = PhasePrep
		return nil
	}
	return r.begin(ctx, flow, node)
}

// begin is Begin for every other run: apart so that Begin is small enough
// for the compiler to inline.
func (r *Run) begin(ctx context.Context, flow, node string) error {
	if r.fork != nil {
		if err := r.fork.begin(ctx, r, flow); err != nil {
			return err
		}
	} else if (r.cancelable && ctx.Err() != nil) || r.step >= r.limit {
		return r.refuse(ctx, flow)
	} else {
		r.step++
	}
	r.phase = PhasePrep
	if !r.observed {
		return nil
	}
	r.ctx = ctx // for the Checkpointer; the observed loop named the step
	if r.timed && (r.cp != nil || r.fork != nil) {
		// The previous step's checkpoint was saved after its end was
		// timed, or a parallel member's step may wait for the group's
		// lock: this step is timed from now. Otherwise the previous end's
		// clock read marks the start (see end).
		r.began = time.Since(r.start)
	}
	if !r.starts {
		return nil
	}
	ev := NodeEvent{Flow: flow, RunID: r.id, Node: node, Step: r.step}
	r.hooking = inNodeStart
	for i := range r.hooks {
		if f := r.hooks[i].NodeStart; f != nil {
			f(ev)
		}
	}
	r.hooking = noHook
	return nil
}

// refuse is the error of a step that may not begin.
func (r *Run) refuse(ctx context.Context, flow string) error {
	if r.hookErr != nil {
		return r.hookErr
	}
	if err := ctx.Err(); err != nil && r.cancelable {
		return fmt.Errorf("flow %s: canceled before step %d: %w", flow, r.step+1, err)
	}
	return &maxStepsError{flow: flow, step: r.step + 1, max: r.maxSteps}
}

// elapsed is the time since the current step began.
func (r *Run) elapsed() time.Duration { return time.Since(r.start) - r.began }

// Enter records that phase p of the current node is running, so that a
// failure or panic is attributed to it.
func (r *Run) Enter(p Phase) { r.phase = p }

// Fail returns err as a *NodeError of node of flow, at the current step and
// phase. An err that already is a *NodeError (from a subflow) is returned
// unchanged: it names the node that failed. The names are given here, where
// a step fails, rather than recorded at every step.
//
// Fail is kept out of line: it is the cold path of every phase of every
// generated step, and inlined there it would grow each step method (and
// the compile time of a large flow) for no gain.
//
//go:noinline
func (r *Run) Fail(flow, node string, err error) error {
	if err == nil {
		return nil
	}
	if ne, ok := err.(*NodeError); ok {
		return ne
	}
	return &NodeError{Flow: flow, Node: node, Step: r.step, Phase: r.phase, Err: err}
}

// BadAction fails node of flow because its Post returned action, which is
// not one of the node's actions (for a subflow member: outcomes). It takes
// the value rather than its name so that a step does not inline the
// action type's String.
func (r *Run) BadAction(flow, node string, action fmt.Stringer) error {
	r.phase = PhasePost
	return r.Fail(flow, node, fmt.Errorf("%w %q: not one of the node's actions", ErrBadAction, action.String()))
}

// panicked is the error of a step in which node code panicked with v.
func (r *Run) panicked(flow, node string, v any) error {
	err := r.Fail(flow, node, &PanicError{Value: v, Stack: debug.Stack()})
	if r.observed {
		return r.failed(err)
	}
	return err
}

// failed fires NodeError for err, the error of an observed step, once: a
// *NodeError from a subflow passes through the flows that called it.
func (r *Run) failed(err error) error {
	ne, ok := err.(*NodeError)
	if !ok || ne == r.reported || len(r.hooks) == 0 {
		return err
	}
	r.reported = ne
	ev := NodeEvent{Flow: ne.Flow, RunID: r.id, Node: ne.Node, Step: ne.Step, Err: ne, Elapsed: r.elapsed()}
	for i := range r.hooks {
		if f := r.hooks[i].NodeError; f != nil {
			if err := callHook("NodeError", f, ev, ne); err != nil {
				return err
			}
		}
	}
	return ne
}

// end finishes the current step of an observed run, which chose action (""
// for a terminal node) and hands over to the member next ("" when the run
// finished), and fires NodeEnd. With [WithCheckpoints] it then makes the
// step's [Checkpoint] of store (a pointer to the store, encoded with
// encoding/json) and saves it as the run's [Durability] says; a failed save
// fails the run with the error end returns (one step late with
// DurabilityAsync).
//
// The Checkpointer gets the context given to the step's Begin, so that a
// remote one sees the run's deadline, cancellation and values (a trace ID,
// say).
func (r *Run) end(action, next string, store any) error {
	elapsed := r.lap()
	if r.ends {
		ev := NodeEvent{Flow: r.cur, RunID: r.id, Node: r.node, Step: r.step, Action: action, Elapsed: elapsed}
		r.hooking = inNodeEnd
		for i := range r.hooks {
			if f := r.hooks[i].NodeEnd; f != nil {
				f(ev)
			}
		}
		r.hooking = noHook
	}
	return r.save(action, next, store)
}

// lap returns the time since the current step began, for a run whose
// hooks time steps, and makes now the start of the next. One clock read
// ends a step and, when no checkpoint is saved in between, begins the
// next: a clock read costs as much as the rest of a hooked step.
func (r *Run) lap() (elapsed time.Duration) {
	if r.timed {
		now := time.Since(r.start)
		elapsed, r.began = now-r.began, now
	}
	return elapsed
}

// save makes the checkpoint of the step or parallel group that just ended,
// when the run has checkpoints, and saves it as the run's Durability says.
func (r *Run) save(action, next string, store any) error {
	if r.cp == nil {
		return nil
	}
	cp, err := r.checkpoint(action, next, store)
	if err != nil {
		return err
	}
	return r.saves.step(r.stepContext(), r.cp, cp)
}

// stepContext is the context of the current step, for the Checkpointer.
func (r *Run) stepContext() context.Context {
	if r.ctx == nil {
		return context.Background() // no step began: nothing to speak of
	}
	return r.ctx
}

// checkpoint makes the checkpoint of the step that just ended, encoding the
// store once: Save splices these bytes into the file as they are.
func (r *Run) checkpoint(action, next string, store any) (*Checkpoint, error) {
	data, err := r.encodeStore(store)
	if err != nil {
		return nil, fmt.Errorf("flow %s: checkpoint after step %d: store: %w", r.flow, r.step, err)
	}
	cp := r.newCheckpoint(r.step, r.node, next, data)
	cp.Action = action
	return cp, nil
}

// encodeStore encodes the store for a checkpoint: with the flow's
// generated encoder when it has one, in a buffer of its own (an
// asynchronous save may still hold the last one) sized so that it rarely
// grows.
func (r *Run) encodeStore(store any) ([]byte, error) {
	if r.encode == nil {
		return json.Marshal(store)
	}
	data, err := r.encode(make([]byte, 0, r.encoded+r.encoded/8+64))
	r.encoded = len(data)
	return data, err
}

// newCheckpoint is the checkpoint of the run after step, which ran node,
// with next (a member of the innermost running flow) to run and store, as
// encodeStore encoded it.
func (r *Run) newCheckpoint(step int, node, next string, store []byte) *Checkpoint {
	return &Checkpoint{
		Version:   CheckpointVersion,
		Flow:      r.flow,
		RunID:     r.id,
		Step:      step,
		Node:      node,
		Next:      r.nextPath(next),
		Schema:    r.schema,
		Time:      time.Now().UTC(),
		Store:     store,
		marshaled: true,
	}
}

// nextPath qualifies next, a member of the innermost running flow, with the
// subflow members that lead to it.
func (r *Run) nextPath(next string) string {
	if len(r.path) == 0 || next == "" {
		return next
	}
	return strings.Join(r.path, "/") + "/" + next
}

// Write fires StoreWrite for field (its .pico name) of the store, which the
// current step changed from old to new: the generated reportWrites calls it.
func (r *Run) Write(field string, old, new any) {
	if !r.writes {
		return
	}
	ev := WriteEvent{Flow: r.cur, RunID: r.id, Node: r.node, Step: r.step, Field: field, Old: old, New: new}
	r.hooking = inStoreWrite
	for i := range r.hooks {
		if f := r.hooks[i].StoreWrite; f != nil {
			f(ev)
		}
	}
	r.hooking = noHook
}

// errRunGoexit is the error a run ends with, for its hooks and checkpoints,
// when node code called runtime.Goexit on the goroutine running it.
var errRunGoexit = errors.New("node code called runtime.Goexit (t.FailNow or t.SkipNow in a test?)")

// finishGoexit, deferred by a Flow's Run and Resume, ends the run when node
// code called runtime.Goexit on its goroutine: the goroutine ends, as Go
// says it must, but hooks see the run fail and pending checkpoints are
// saved.
func (r *Run) finishGoexit() {
	if !r.finished {
		_ = r.finish(errRunGoexit)
	}
}

// finish ends the run with err (nil on success): it saves the checkpoints
// still to be saved (those of DurabilityAsync and DurabilityExit), fires
// FlowEnd and returns err, or the error of a save or of a hook that
// panicked.
func (r *Run) finish(err error) error {
	r.finished = true
	if r.cp != nil {
		if serr := r.saves.flush(r.stepContext(), r.cp); serr != nil {
			// The run's own error comes first; a lost checkpoint is
			// never silent.
			err = errors.Join(err, serr)
		}
	}
	if len(r.hooks) == 0 {
		return err
	}
	if err == nil {
		err = r.hookErr
	}
	ev := FlowEvent{Flow: r.flow, RunID: r.id, Steps: r.step, Err: err, Elapsed: time.Since(r.start)}
	// Every set's FlowEnd fires, even after one panicked, so that each
	// observer frees what it kept of the run; the first panic is the
	// run's error.
	var failed error
	for i := range r.hooks {
		if f := r.hooks[i].FlowEnd; f != nil {
			if herr := callHook("FlowEnd", f, ev, err); herr != nil && failed == nil {
				failed = herr
			}
		}
	}
	if failed != nil {
		return failed
	}
	return err
}

// fellBack fires the Fallback hooks: every one of attempts attempts failed,
// the last with err, and ExecFallback runs next.
func (r *Run) fellBack(attempts int, err error) error {
	if len(r.hooks) == 0 {
		return nil
	}
	ev := RetryEvent{Flow: r.cur, RunID: r.id, Node: r.node, Step: r.step, Attempt: attempts, Err: err}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.hooks {
		if f := r.hooks[i].Fallback; f != nil {
			if herr := callHook("Fallback", f, ev, err); herr != nil {
				return herr
			}
		}
	}
	return nil
}

// runKey is the key under which the context of a run with Emit hooks
// carries the run.
type runKey struct{}

// context returns the context steps get: ctx itself, or, when some hook
// has Emit, ctx carrying the run for Emit to find.
func (r *Run) context(ctx context.Context) context.Context {
	if !r.emits {
		return ctx
	}
	return context.WithValue(ctx, runKey{}, r)
}

// Emit delivers v to every Emit hook of the run that ctx belongs to, at
// once and in order, with the flow, run, node and step: node code calls it,
// Exec typically, to stream a model's tokens to a UI while the node runs.
// It is safe from any goroutine of a step (a parallel batch's elements are
// serialized). Outside a run, or in a run without Emit hooks, it does
// nothing, at the cost of one context lookup.
func Emit(ctx context.Context, v any) {
	if r, ok := ctx.Value(runKey{}).(*Run); ok {
		r.emit(v)
	}
}

func (r *Run) emit(v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := EmitEvent{Flow: r.cur, RunID: r.id, Node: r.node, Step: r.step, Value: v}
	for i := range r.hooks {
		if f := r.hooks[i].Emit; f != nil && r.emitErr == nil {
			r.emitErr = callHook("Emit", f, ev, nil)
		}
	}
}

// emitFailed returns the error of an Emit hook that panicked during the
// step, once.
func (r *Run) emitFailed() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.emitErr
	r.emitErr = nil
	if err != nil {
		r.hookFailed(err)
	}
	return err
}

// intercept runs step inside the run's interceptors, the first outermost,
// as step stepNo of node of flow.
func (r *Run) intercept(ctx context.Context, flow, node string, step func(context.Context) (int, int, error)) (next, action int, err error) {
	ran := false
	run := func(ctx context.Context) error {
		ran = true
		r.hooking = noHook // a panic in here is the node's
		var err error
		next, action, err = step(ctx)
		r.hooking = inInterceptor
		return err
	}
	ev := NodeEvent{Flow: flow, RunID: r.id, Node: node, Step: r.step + 1}
	if r.fork != nil {
		ev.Step = 0 // a parallel member's step gets its number as it begins
	}
	for i := len(r.interceptors) - 1; i >= 0; i-- {
		ic, inner := r.interceptors[i], run
		run = func(ctx context.Context) error { return ic(ctx, ev, inner) }
	}
	r.hooking = inInterceptor
	err = run(ctx)
	r.hooking = noHook
	if err == nil && !ran {
		err = fmt.Errorf("flow %s: an interceptor returned without running step %d (%s)", flow, r.step+1, node)
	}
	return next, action, err
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
