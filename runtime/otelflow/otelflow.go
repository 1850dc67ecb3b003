package otelflow

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/digital-duck/picoflow-go/runtime"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the spans this package makes,
// by which a backend or a span processor can pick them out.
const ScopeName = "github.com/digital-duck/picoflow-go/runtime/otelflow"

// maxValue is the most bytes of an emitted value that an emit event keeps:
// a model's tokens fit, a whole document does not flood the trace.
const maxValue = 512

// The attributes' keys; the package doc says what each holds.
const (
	keyFlow        = attribute.Key("picoflow.flow")
	keyRunID       = attribute.Key("picoflow.run_id")
	keyNode        = attribute.Key("picoflow.node")
	keyStep        = attribute.Key("picoflow.step")
	keySteps       = attribute.Key("picoflow.steps")
	keyAction      = attribute.Key("picoflow.action")
	keyAttempt     = attribute.Key("picoflow.attempt")
	keyAttempts    = attribute.Key("picoflow.attempts")
	keyWait        = attribute.Key("picoflow.wait")
	keyError       = attribute.Key("picoflow.error")
	keyValue       = attribute.Key("picoflow.value")
	keyInterrupted = attribute.Key("picoflow.interrupted")
	keyAwaitNode   = attribute.Key("picoflow.await_node")
)

// Option configures a [Tracer].
type Option func(*config)

type config struct {
	tp    trace.TracerProvider
	emits bool
}

// WithTracerProvider makes the spans with tp rather than the global
// TracerProvider, so that a program (or a test) can trace some flows apart
// from the rest. A nil tp keeps the global one.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithEmitEvents, given true, adds the values node code passes to
// runtime.Emit to the step's span as "emit" events, formatted with fmt and
// cut to 512 bytes. It is off by default: a model streaming its tokens emits
// one value per token, more events than most traces want.
func WithEmitEvents(on bool) Option {
	return func(c *config) { c.emits = on }
}

// Options returns the options that trace a run: pass them to a generated
// flow's Run or Resume method. It is New(opts...).Options(); a program that
// runs many flows can make one [Tracer] and reuse it.
func Options(opts ...Option) []runtime.Option {
	return New(opts...).Options()
}

// Tracer traces runs of flows: its [Tracer.Interceptor] makes the step
// spans and its [Tracer.Hooks] the rest, keeping the state of each run by
// its ID. One Tracer may trace any number of runs at once; runs at the same
// time must have different IDs (as random ones do).
type Tracer struct {
	tracer trace.Tracer
	emits  bool

	mu   sync.Mutex
	runs map[string]*runState // by run ID, from FlowStart (or its first step) to FlowEnd
}

// runState is what a Tracer knows of one run.
type runState struct {
	flow  string
	start time.Time
	span  trace.Span // nil until the first step, whose context parents it
	// steps are the steps whose span has not ended, by number; pending
	// are those of parallel members not numbered yet (their interceptor
	// sees Step 0; NodeStart numbers them), in the order they began.
	steps   map[int]*stepState
	pending map[nodeKey][]*stepState
}

// nodeKey names a node of a flow: NodeStart finds a pending step by it.
type nodeKey struct{ flow, node string }

// stepState is one step's span and what the step reported so far.
type stepState struct {
	span     trace.Span
	key      nodeKey
	num      int // 0 until known
	attempts int // the most attempts one Exec made
	// returned is set when the step's func returned, at end; abnormal
	// when it did so by panicking or runtime.Goexit (the error comes to
	// NodeError or FlowEnd). A step that returned without an error waits
	// for NodeEnd, which brings its action.
	returned bool
	abnormal bool
	end      time.Time
}

// New returns a Tracer configured by opts.
func New(opts ...Option) *Tracer {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	return &Tracer{
		tracer: c.tp.Tracer(ScopeName),
		emits:  c.emits,
		runs:   make(map[string]*runState),
	}
}

// Options returns t's [Tracer.Interceptor] and [Tracer.Hooks] as options of
// a run: pass them to a generated flow's Run or Resume method.
func (t *Tracer) Options() []runtime.Option {
	return []runtime.Option{runtime.WithInterceptor(t.Interceptor()), runtime.WithHooks(t.Hooks())}
}

// Interceptor returns the interceptor that makes a span for each step (and
// the run's span at the first). It works with t's [Tracer.Hooks], which end
// the spans: give a run both, as [Tracer.Options] does, or its spans are
// never ended and t keeps its state.
func (t *Tracer) Interceptor() runtime.Interceptor {
	return t.intercept
}

// Hooks returns the hooks that number, annotate and end the spans that t's
// [Tracer.Interceptor] makes. Without the interceptor they make no span.
func (t *Tracer) Hooks() runtime.Hooks {
	h := runtime.Hooks{
		FlowStart: t.flowStart,
		NodeStart: t.nodeStart,
		NodeEnd:   t.nodeEnd,
		NodeError: t.nodeError,
		Retry:     t.retry,
		Fallback:  t.fallback,
		FlowEnd:   t.flowEnd,
	}
	if t.emits {
		// Only then: an Emit hook makes the runtime put the run in every
		// step's context, for each Emit call to look up.
		h.Emit = t.emit
	}
	return h
}

// flowStart records the run, and when it began: its span starts at the
// first step, which brings the context that parents it.
func (t *Tracer) flowStart(e runtime.FlowEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.runs[e.RunID] = newRunState(e.Flow, time.Now())
}

func newRunState(flow string, start time.Time) *runState {
	return &runState{
		flow:    flow,
		start:   start,
		steps:   make(map[int]*stepState),
		pending: make(map[nodeKey][]*stepState),
	}
}

// intercept runs step inside a span of its own, a child of the run's.
func (t *Tracer) intercept(ctx context.Context, e runtime.NodeEvent, step func(context.Context) error) (err error) {
	ctx, st := t.beginStep(ctx, e)
	normal := false
	defer func() { t.stepReturned(e.RunID, st, err, !normal) }()
	err = step(ctx)
	normal = true
	return err
}

// beginStep starts the span of step e, and the run's span when this is the
// run's first step, a child of the span in ctx: the one the run was given.
func (t *Tracer) beginStep(ctx context.Context, e runtime.NodeEvent) (context.Context, *stepState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rs := t.runs[e.RunID]
	if rs == nil {
		// No FlowStart reached t (a hook before it panicked): the run
		// begins now, named by its first step's flow.
		rs = newRunState(e.Flow, time.Now())
		t.runs[e.RunID] = rs
	}
	if rs.span == nil {
		// Members of a group that begins the run race here: the lock
		// makes one span.
		_, rs.span = t.tracer.Start(ctx, "picoflow.run "+rs.flow,
			trace.WithTimestamp(rs.start),
			trace.WithAttributes(keyFlow.String(rs.flow), keyRunID.String(e.RunID)))
	}
	attrs := []attribute.KeyValue{keyFlow.String(e.Flow), keyRunID.String(e.RunID), keyNode.String(e.Node)}
	if e.Step > 0 {
		attrs = append(attrs, keyStep.Int(e.Step))
	}
	// The step's context keeps ctx's values and cancellation, but its
	// span is the step's, a child of the run's rather than of ctx's (the
	// caller's).
	ctx, span := t.tracer.Start(trace.ContextWithSpan(ctx, rs.span), e.Node, trace.WithAttributes(attrs...))
	st := &stepState{span: span, key: nodeKey{e.Flow, e.Node}, num: e.Step, attempts: 1}
	if e.Step > 0 {
		rs.steps[e.Step] = st
	} else {
		rs.pending[st.key] = append(rs.pending[st.key], st)
	}
	return ctx, st
}

// stepReturned records that the step of st returned err, or, when
// abnormal, panicked or called runtime.Goexit. A failed or interrupted
// step's span ends now; that of a step that succeeded ends at NodeEnd, with
// its action, and that of one that panicked at NodeError, with the panic.
func (t *Tracer) stepReturned(runID string, st *stepState, err error, abnormal bool) {
	now := time.Now()
	t.mu.Lock()
	rs := t.runs[runID]
	st.returned, st.abnormal, st.end = true, abnormal, now
	done := err != nil && !abnormal
	if done && rs != nil {
		rs.forget(st)
	}
	attempts := st.attempts
	t.mu.Unlock()
	if !done {
		return
	}
	var in *runtime.Interrupt
	if errors.As(err, &in) {
		st.span.SetAttributes(keyAttempts.Int(attempts), keyInterrupted.Bool(true))
	} else {
		st.span.SetAttributes(keyAttempts.Int(attempts))
		failSpan(st.span, err)
	}
	st.span.End(trace.WithTimestamp(now))
}

// forget removes st from the steps of rs whose spans are open.
func (rs *runState) forget(st *stepState) {
	if st.num > 0 {
		if rs.steps[st.num] == st {
			delete(rs.steps, st.num)
		}
		return
	}
	q := rs.pending[st.key]
	for i, p := range q {
		if p == st {
			q = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	if len(q) == 0 {
		delete(rs.pending, st.key)
	} else {
		rs.pending[st.key] = q
	}
}

// failSpan records err on span and sets its status to Error.
func failSpan(span trace.Span, err error) {
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
}

// nodeStart numbers the span of a parallel member's step, which its
// interceptor saw as Step 0: the first pending step of the same node of
// the same flow. (Two members that run the same node at once, through two
// uses of one subflow, may swap numbers; nothing else tells them apart.)
func (t *Tracer) nodeStart(e runtime.NodeEvent) {
	t.mu.Lock()
	rs := t.runs[e.RunID]
	if rs == nil || rs.steps[e.Step] != nil {
		t.mu.Unlock()
		return // not traced, or numbered by its interceptor
	}
	k := nodeKey{e.Flow, e.Node}
	q := rs.pending[k]
	if len(q) == 0 {
		t.mu.Unlock()
		return
	}
	st := q[0]
	if len(q) == 1 {
		delete(rs.pending, k)
	} else {
		rs.pending[k] = q[1:]
	}
	st.num = e.Step
	rs.steps[e.Step] = st
	t.mu.Unlock()
	st.span.SetAttributes(keyStep.Int(e.Step))
}

// take removes the open step numbered step of run id and returns it, with
// its attempts and when its func returned, or nil when there is none (not
// traced, or its span ended).
func (t *Tracer) take(id string, step int) (st *stepState, attempts int, end time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rs := t.runs[id]
	if rs == nil {
		return nil, 0, time.Time{}
	}
	st = rs.steps[step]
	if st == nil {
		return nil, 0, time.Time{}
	}
	delete(rs.steps, step)
	return st, st.attempts, st.endTime()
}

// open returns the open step numbered step of run id, or nil, and records
// that it made at least attempts attempts.
func (t *Tracer) open(id string, step, attempts int) *stepState {
	t.mu.Lock()
	defer t.mu.Unlock()
	rs := t.runs[id]
	if rs == nil {
		return nil
	}
	st := rs.steps[step]
	if st != nil {
		st.attempts = max(st.attempts, attempts)
	}
	return st
}

// nodeEnd ends the span of a step that succeeded, with its action.
func (t *Tracer) nodeEnd(e runtime.NodeEvent) {
	st, attempts, end := t.take(e.RunID, e.Step)
	if st == nil {
		return
	}
	attrs := []attribute.KeyValue{keyAttempts.Int(attempts)}
	if e.Action != "" {
		attrs = append(attrs, keyAction.String(e.Action))
	}
	st.span.SetAttributes(attrs...)
	st.span.End(trace.WithTimestamp(end))
}

// endTime is when the step's func returned, or now if it has not (a step
// ended by FlowEnd). The Tracer's lock is held.
func (st *stepState) endTime() time.Time {
	if st.returned {
		return st.end
	}
	return time.Now()
}

// nodeError ends the span of a step whose failure its interceptor did not
// see: it panicked, or failed after its func returned (a subflow's
// outcome).
func (t *Tracer) nodeError(e runtime.NodeEvent) {
	st, attempts, end := t.take(e.RunID, e.Step)
	if st == nil {
		return
	}
	st.span.SetAttributes(keyAttempts.Int(attempts))
	failSpan(st.span, e.Err)
	st.span.End(trace.WithTimestamp(end))
}

// retry adds a "retry" event to the step's span.
func (t *Tracer) retry(e runtime.RetryEvent) {
	st := t.open(e.RunID, e.Step, e.Attempt+1)
	if st == nil {
		return
	}
	st.span.AddEvent("retry", trace.WithAttributes(
		keyAttempt.Int(e.Attempt),
		keyWait.String(e.Wait.String()),
		keyError.String(errString(e.Err))))
}

// fallback adds a "fallback" event to the step's span.
func (t *Tracer) fallback(e runtime.RetryEvent) {
	st := t.open(e.RunID, e.Step, e.Attempt)
	if st == nil {
		return
	}
	st.span.AddEvent("fallback", trace.WithAttributes(
		keyAttempts.Int(e.Attempt),
		keyError.String(errString(e.Err))))
}

// emit adds an "emit" event with the value to the step's span.
func (t *Tracer) emit(e runtime.EmitEvent) {
	st := t.open(e.RunID, e.Step, 0)
	if st == nil {
		return
	}
	st.span.AddEvent("emit", trace.WithAttributes(keyValue.String(format(e.Value))))
}

// format is v as fmt prints it, cut to maxValue bytes (at a rune's start)
// and then marked with "…".
func format(v any) string {
	s := fmt.Sprint(v)
	if len(s) <= maxValue {
		return s
	}
	n := maxValue
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// flowEnd ends the run's span, and the span of any step still open (one
// that called runtime.Goexit, or whose end a panicking hook kept from t),
// and forgets the run.
func (t *Tracer) flowEnd(e runtime.FlowEvent) {
	type leftover struct {
		span   trace.Span
		end    time.Time
		failed bool // it ended by the run's end, not its own
	}
	t.mu.Lock()
	rs := t.runs[e.RunID]
	delete(t.runs, e.RunID)
	var left []leftover
	add := func(st *stepState) {
		left = append(left, leftover{st.span, st.endTime(), !st.returned || st.abnormal})
	}
	if rs != nil {
		for _, st := range rs.steps {
			add(st)
		}
		for _, q := range rs.pending {
			for _, st := range q {
				add(st)
			}
		}
	}
	t.mu.Unlock()
	if rs == nil || rs.span == nil {
		return // no step began: nothing was traced
	}
	for _, l := range left {
		if l.failed {
			err := e.Err
			if err == nil {
				err = errors.New("the run ended before the step did")
			}
			failSpan(l.span, err)
		}
		l.span.End(trace.WithTimestamp(l.end))
	}
	rs.span.SetAttributes(keySteps.Int(e.Steps))
	var in *runtime.Interrupt
	switch {
	case errors.As(e.Err, &in):
		rs.span.SetAttributes(keyInterrupted.Bool(true), keyAwaitNode.String(in.Node))
	case e.Err != nil:
		failSpan(rs.span, e.Err)
	}
	rs.span.End()
}
