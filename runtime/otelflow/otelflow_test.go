package otelflow_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/otelflow"
	"github.com/digital-duck/picoflow-go/runtime/otelflow/internal/testflow"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// harness records the spans of the runs that its tracer traces.
type harness struct {
	t      *testing.T
	rec    *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	tracer *otelflow.Tracer
}

// newHarness returns a harness whose Tracer is configured by opts (after
// its own TracerProvider), and checks when the test ends that the Tracer
// kept no state of any run.
func newHarness(t *testing.T, opts ...otelflow.Option) *harness {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	h := &harness{t: t, rec: rec, tp: tp}
	h.tracer = otelflow.New(append([]otelflow.Option{otelflow.WithTracerProvider(tp)}, opts...)...)
	t.Cleanup(func() {
		if n := otelflow.Open(h.tracer); n != 0 {
			t.Errorf("the Tracer keeps the state of %d runs after they ended", n)
		}
		if started, ended := len(rec.Started()), len(rec.Ended()); started != ended {
			t.Errorf("%d spans started, %d ended", started, ended)
		}
	})
	return h
}

// options returns the tracer's options and then more.
func (h *harness) options(more ...runtime.Option) []runtime.Option {
	return append(h.tracer.Options(), more...)
}

// caller starts the span that a program running a flow would be in.
func (h *harness) caller(ctx context.Context) (context.Context, trace.Span) {
	return h.tp.Tracer("test").Start(ctx, "caller")
}

// ended returns the spans that ended, by name; a name may occur once.
func (h *harness) ended() map[string]sdktrace.ReadOnlySpan {
	h.t.Helper()
	out := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range h.rec.Ended() {
		if _, dup := out[s.Name()]; dup {
			h.t.Fatalf("two spans named %q", s.Name())
		}
		out[s.Name()] = s
	}
	return out
}

// attrs returns the attributes of s as a map of Go values.
func attrs(s sdktrace.ReadOnlySpan) map[string]any {
	out := map[string]any{}
	for _, kv := range s.Attributes() {
		out[string(kv.Key)] = kv.Value.AsInterface()
	}
	return out
}

// eventSummary returns the events of s as "name key=value ...", the keys
// sorted, leaving out the exception event's stack trace.
func eventSummary(s sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, ev := range s.Events() {
		var kvs []string
		for _, kv := range ev.Attributes {
			kvs = append(kvs, fmt.Sprintf("%s=%v", kv.Key, kv.Value.AsInterface()))
		}
		slices.Sort(kvs)
		out = append(out, strings.TrimSpace(ev.Name+" "+strings.Join(kvs, " ")))
	}
	return out
}

func wantAttrs(t *testing.T, s sdktrace.ReadOnlySpan, want map[string]any) {
	t.Helper()
	if got := attrs(s); !reflect.DeepEqual(got, want) {
		t.Errorf("span %s: attributes\n got %v\nwant %v", s.Name(), got, want)
	}
}

func wantEvents(t *testing.T, s sdktrace.ReadOnlySpan, want ...string) {
	t.Helper()
	if got := eventSummary(s); !slices.Equal(got, want) {
		t.Errorf("span %s: events\n got %q\nwant %q", s.Name(), got, want)
	}
}

func wantStatus(t *testing.T, s sdktrace.ReadOnlySpan, code codes.Code, desc string) {
	t.Helper()
	if st := s.Status(); st.Code != code || st.Description != desc {
		t.Errorf("span %s: status %v %q, want %v %q", s.Name(), st.Code, st.Description, code, desc)
	}
}

func wantParent(t *testing.T, s sdktrace.ReadOnlySpan, parent trace.SpanContext) {
	t.Helper()
	if got := s.Parent(); got.SpanID() != parent.SpanID() || got.TraceID() != parent.TraceID() {
		t.Errorf("span %s: parent %s/%s, want %s/%s", s.Name(), got.TraceID(), got.SpanID(), parent.TraceID(), parent.SpanID())
	}
}

// step returns the attributes of a step span with those of every step.
func step(flow, run, node string, n, attempts int, more ...any) map[string]any {
	m := map[string]any{
		"picoflow.flow":     flow,
		"picoflow.run_id":   run,
		"picoflow.node":     node,
		"picoflow.step":     int64(n),
		"picoflow.attempts": int64(attempts),
	}
	for i := 0; i < len(more); i += 2 {
		m[more[i].(string)] = more[i+1]
	}
	return m
}

func runAttrs(flow, run string, steps int, more ...any) map[string]any {
	m := map[string]any{"picoflow.flow": flow, "picoflow.run_id": run, "picoflow.steps": int64(steps)}
	for i := 0; i < len(more); i += 2 {
		m[more[i].(string)] = more[i+1]
	}
	return m
}

// TestSpanTree checks that the run's span is a child of the caller's, the
// steps' of the run's, and a span started in Exec of its step's; and the
// spans' attributes. It uses the package's Options, on the global provider.
func TestSpanTree(t *testing.T) {
	h := newHarness(t)
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(h.tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	model := h.tp.Tracer("model")
	flow := testflow.NewChain(testflow.Fetch{Do: func(ctx context.Context, in string) (string, error) {
		_, span := model.Start(ctx, "model.call")
		span.End()
		return "answer to " + in, nil
	}}, testflow.Answer{})
	ctx, caller := h.caller(context.Background())
	s := testflow.NewState()
	s.Input = "q"
	opts := append(otelflow.Options(), runtime.WithRunID("r1"))
	if err := flow.Run(ctx, s, opts...); err != nil {
		t.Fatal(err)
	}
	caller.End()

	spans := h.ended()
	if got, want := slices.Sorted(maps.Keys(spans)), []string{"Answer", "Fetch", "caller", "model.call", "picoflow.run Chain"}; !slices.Equal(got, want) {
		t.Fatalf("spans %q, want %q", got, want)
	}
	run := spans["picoflow.run Chain"]
	wantParent(t, run, caller.SpanContext())
	wantParent(t, spans["Fetch"], run.SpanContext())
	wantParent(t, spans["Answer"], run.SpanContext())
	wantParent(t, spans["model.call"], spans["Fetch"].SpanContext())
	wantAttrs(t, run, runAttrs("Chain", "r1", 2))
	wantAttrs(t, spans["Fetch"], step("Chain", "r1", "Fetch", 1, 1, "picoflow.action", "next"))
	wantAttrs(t, spans["Answer"], step("Chain", "r1", "Answer", 2, 1))
	for _, s := range spans {
		wantStatus(t, s, codes.Unset, "")
		wantEvents(t, s)
		mine := s.Name() != "caller" && s.Name() != "model.call"
		if got := s.InstrumentationScope().Name; mine != (got == otelflow.ScopeName) {
			t.Errorf("span %s: scope %q", s.Name(), s.InstrumentationScope().Name)
		}
	}
	// The run's span covers its steps, which follow each other.
	fetch, answer := spans["Fetch"], spans["Answer"]
	if run.StartTime().After(fetch.StartTime()) || fetch.EndTime().After(answer.StartTime()) || answer.EndTime().After(run.EndTime()) {
		t.Errorf("times: run %v-%v, Fetch %v-%v, Answer %v-%v", run.StartTime(), run.EndTime(), fetch.StartTime(), fetch.EndTime(), answer.StartTime(), answer.EndTime())
	}
}

// TestRetries checks that a node's failed attempts are events of its
// step's span.
func TestRetries(t *testing.T) {
	h := newHarness(t)
	tries := 0
	flow := testflow.NewChain(testflow.Fetch{Do: func(ctx context.Context, in string) (string, error) {
		if tries++; tries < 3 {
			return "", fmt.Errorf("busy %d", tries)
		}
		return in, nil
	}}, testflow.Answer{})
	wait := runtime.WithPolicy(func(_ string, p runtime.Policy) runtime.Policy {
		p.Wait = time.Millisecond
		return p
	})
	if err := flow.Run(context.Background(), testflow.NewState(), h.options(runtime.WithRunID("r"), wait)...); err != nil {
		t.Fatal(err)
	}
	spans := h.ended()
	fetch := spans["Fetch"]
	wantAttrs(t, fetch, step("Chain", "r", "Fetch", 1, 3, "picoflow.action", "next"))
	wantEvents(t, fetch,
		"retry picoflow.attempt=1 picoflow.error=busy 1 picoflow.wait=1ms",
		"retry picoflow.attempt=2 picoflow.error=busy 2 picoflow.wait=1ms")
	wantStatus(t, fetch, codes.Unset, "")
	wantAttrs(t, spans["Answer"], step("Chain", "r", "Answer", 2, 1))
}

// TestFallback checks the events of a node whose attempts all failed and
// whose ExecFallback took over: the step succeeded.
func TestFallback(t *testing.T) {
	h := newHarness(t)
	flow := testflow.NewBackup(testflow.Guess{Do: func(context.Context) (string, error) {
		return "", errors.New("no idea")
	}}, testflow.Answer{})
	if err := flow.Run(context.Background(), testflow.NewState(), h.options(runtime.WithRunID("r"))...); err != nil {
		t.Fatal(err)
	}
	guess := h.ended()["Guess"]
	wantAttrs(t, guess, step("Backup", "r", "Guess", 1, 2, "picoflow.action", "next"))
	wantEvents(t, guess,
		"retry picoflow.attempt=1 picoflow.error=no idea picoflow.wait=0s",
		"fallback picoflow.attempts=2 picoflow.error=no idea")
	wantStatus(t, guess, codes.Unset, "")
}

// TestError checks that a failed step and its run record the error and
// have status Error, and that the steps before stay unmarked.
func TestError(t *testing.T) {
	h := newHarness(t)
	flow := testflow.NewChain(testflow.Fetch{}, testflow.Answer{Do: func(context.Context, string) error {
		return errors.New("no answer")
	}})
	err := flow.Run(context.Background(), testflow.NewState(), h.options(runtime.WithRunID("r"))...)
	var ne *runtime.NodeError
	if !errors.As(err, &ne) || ne.Node != "Answer" {
		t.Fatalf("Run: %v, want a *runtime.NodeError of Answer", err)
	}
	spans := h.ended()
	run, answer := spans["picoflow.run Chain"], spans["Answer"]
	wantAttrs(t, run, runAttrs("Chain", "r", 2))
	wantStatus(t, run, codes.Error, err.Error())
	wantEvents(t, run, "exception exception.message="+err.Error()+" exception.type=*runtime.NodeError")
	wantAttrs(t, answer, step("Chain", "r", "Answer", 2, 1))
	wantStatus(t, answer, codes.Error, err.Error())
	wantEvents(t, answer, "exception exception.message="+err.Error()+" exception.type=*runtime.NodeError")
	wantStatus(t, spans["Fetch"], codes.Unset, "")
	wantEvents(t, spans["Fetch"])
}

// TestPanic checks that a step whose node panicked records the panic,
// which the runtime turns into the run's error.
func TestPanic(t *testing.T) {
	h := newHarness(t)
	flow := testflow.NewChain(testflow.Fetch{Do: func(context.Context, string) (string, error) {
		panic("boom")
	}}, testflow.Answer{})
	err := flow.Run(context.Background(), testflow.NewState(), h.options(runtime.WithRunID("r"))...)
	var pe *runtime.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Run: %v, want a *runtime.PanicError", err)
	}
	spans := h.ended()
	fetch := spans["Fetch"]
	wantAttrs(t, fetch, step("Chain", "r", "Fetch", 1, 1))
	wantStatus(t, fetch, codes.Error, err.Error())
	wantStatus(t, spans["picoflow.run Chain"], codes.Error, err.Error())
	if _, ok := spans["Answer"]; ok {
		t.Error("Answer ran after Fetch panicked")
	}
}

// TestSubflow checks that a subflow's steps are steps of the run, named by
// the subflow.
func TestSubflow(t *testing.T) {
	h := newHarness(t)
	flow := testflow.NewOuter(testflow.Fetch{}, testflow.NewInner(testflow.Lookup{}), testflow.Answer{})
	ctx, caller := h.caller(context.Background())
	if err := flow.Run(ctx, testflow.NewState(), h.options(runtime.WithRunID("r"))...); err != nil {
		t.Fatal(err)
	}
	caller.End()
	spans := h.ended()
	run := spans["picoflow.run Outer"]
	wantParent(t, run, caller.SpanContext())
	wantAttrs(t, run, runAttrs("Outer", "r", 3))
	for _, name := range []string{"Fetch", "Lookup", "Answer"} {
		wantParent(t, spans[name], run.SpanContext())
	}
	wantAttrs(t, spans["Fetch"], step("Outer", "r", "Fetch", 1, 1, "picoflow.action", "next"))
	// The last step of a subflow takes the action that routes its outcome.
	wantAttrs(t, spans["Lookup"], step("Inner", "r", "Lookup", 2, 1, "picoflow.action", "found"))
	wantAttrs(t, spans["Answer"], step("Outer", "r", "Answer", 3, 1))
}

// barrier makes n members wait until all n have begun, so that a test
// sees them run at once; it gives up after a while rather than hang.
type barrier struct {
	wg   sync.WaitGroup
	done chan struct{}
}

func newBarrier(n int) *barrier {
	b := &barrier{done: make(chan struct{})}
	b.wg.Add(n)
	go func() { b.wg.Wait(); close(b.done) }()
	return b
}

func (b *barrier) wait(context.Context) error {
	b.wg.Done()
	select {
	case <-b.done:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("the other members did not run at the same time")
	}
}

// numbers is a set of hooks that records the step number NodeStart gives
// each node.
type numbers struct {
	mu sync.Mutex
	of map[string]int64
}

func (n *numbers) hooks() runtime.Hooks {
	n.of = map[string]int64{}
	return runtime.Hooks{NodeStart: func(e runtime.NodeEvent) {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.of[e.Node] = int64(e.Step)
	}}
}

// TestParallel checks a parallel group of two nodes: both steps are
// children of the run's span, at the same time, numbered as NodeStart
// numbers them.
func TestParallel(t *testing.T) {
	h := newHarness(t)
	b := newBarrier(2)
	flow := testflow.NewFan(testflow.Fetch{}, testflow.Member{Name: "Left", Do: b.wait}, testflow.Member{Name: "Right", Do: b.wait}, testflow.Answer{})
	var n numbers
	s := testflow.NewState()
	if err := flow.Run(context.Background(), s, h.options(runtime.WithRunID("r"), runtime.WithHooks(n.hooks()))...); err != nil {
		t.Fatal(err)
	}
	if want := []string{"Fetch", "Left", "Right", "Answer"}; !slices.Equal(s.Ran, want) {
		t.Errorf("ran %q, want %q", s.Ran, want)
	}
	spans := h.ended()
	run := spans["picoflow.run Fan"]
	wantAttrs(t, run, runAttrs("Fan", "r", 4))
	left, right := spans["Left"], spans["Right"]
	for _, name := range []string{"Fetch", "Left", "Right", "Answer"} {
		wantParent(t, spans[name], run.SpanContext())
	}
	if got := []int64{n.of["Left"], n.of["Right"]}; !slices.Equal(got, []int64{2, 3}) && !slices.Equal(got, []int64{3, 2}) {
		t.Errorf("NodeStart numbered Left and Right %v, want 2 and 3", got)
	}
	wantAttrs(t, spans["Fetch"], step("Fan", "r", "Fetch", 1, 1, "picoflow.action", "next"))
	wantAttrs(t, left, step("Fan", "r", "Left", int(n.of["Left"]), 1))
	wantAttrs(t, right, step("Fan", "r", "Right", int(n.of["Right"]), 1))
	wantAttrs(t, spans["Answer"], step("Fan", "r", "Answer", 4, 1))
	if !left.StartTime().Before(right.EndTime()) || !right.StartTime().Before(left.EndTime()) {
		t.Errorf("Left %v-%v and Right %v-%v do not overlap", left.StartTime(), left.EndTime(), right.StartTime(), right.EndTime())
	}
}

// TestParallelSubflow checks a parallel group whose members are a node and
// a subflow: the subflow's step is numbered too.
func TestParallelSubflow(t *testing.T) {
	h := newHarness(t)
	b := newBarrier(2)
	flow := testflow.NewFanSub(testflow.Fetch{}, testflow.Member{Name: "Left", Do: b.wait}, testflow.NewInner(testflow.Lookup{Do: b.wait}), testflow.Answer{})
	var n numbers
	if err := flow.Run(context.Background(), testflow.NewState(), h.options(runtime.WithRunID("r"), runtime.WithHooks(n.hooks()))...); err != nil {
		t.Fatal(err)
	}
	spans := h.ended()
	run := spans["picoflow.run FanSub"]
	for _, name := range []string{"Fetch", "Left", "Lookup", "Answer"} {
		wantParent(t, spans[name], run.SpanContext())
	}
	wantAttrs(t, spans["Left"], step("FanSub", "r", "Left", int(n.of["Left"]), 1))
	wantAttrs(t, spans["Lookup"], step("Inner", "r", "Lookup", int(n.of["Lookup"]), 1, "picoflow.action", "found"))
	wantAttrs(t, spans["Answer"], step("FanSub", "r", "Answer", 4, 1))
}

// TestParallelFailure checks a group whose member fails: its span records
// the error, the other member's span ends too.
func TestParallelFailure(t *testing.T) {
	h := newHarness(t)
	flow := testflow.NewFan(testflow.Fetch{},
		testflow.Member{Name: "Left", Do: func(context.Context) error { return errors.New("left out") }},
		testflow.Member{Name: "Right", Do: func(ctx context.Context) error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Second):
				return errors.New("Left's failure did not cancel Right")
			}
		}},
		testflow.Answer{})
	err := flow.Run(context.Background(), testflow.NewState(), h.options(runtime.WithRunID("r"))...)
	if err == nil || !strings.Contains(err.Error(), "left out") {
		t.Fatalf("Run: %v, want Left's error", err)
	}
	spans := h.ended()
	wantStatus(t, spans["Left"], codes.Error, err.Error())
	wantStatus(t, spans["picoflow.run Fan"], codes.Error, err.Error())
	if right, ok := spans["Right"]; ok && right.Status().Code != codes.Error {
		t.Errorf("Right, canceled, has status %v", right.Status())
	}
}

// TestAwait checks that a run stopped at an await node is no failure, and
// that the run resumed with the answer has a span of its own.
func TestAwait(t *testing.T) {
	h := newHarness(t)
	flow := testflow.NewAsk(testflow.Review{}, testflow.Answer{})
	s := testflow.NewState()
	err := flow.Run(context.Background(), s, h.options(runtime.WithRunID("r"))...)
	var in *runtime.Interrupt
	if !errors.As(err, &in) {
		t.Fatalf("Run: %v, want a *runtime.Interrupt", err)
	}
	spans := h.ended()
	run, review := spans["picoflow.run Ask"], spans["Review"]
	wantAttrs(t, run, runAttrs("Ask", "r", 1, "picoflow.interrupted", true, "picoflow.await_node", "Review"))
	wantStatus(t, run, codes.Unset, "")
	wantEvents(t, run)
	wantAttrs(t, review, step("Ask", "r", "Review", 1, 1, "picoflow.interrupted", true))
	wantStatus(t, review, codes.Unset, "")
	wantEvents(t, review)

	h.rec.Reset()
	ctx, caller := h.caller(context.Background())
	if err := flow.ResumeReview(ctx, s, in.Checkpoint, true, h.options()...); err != nil {
		t.Fatal(err)
	}
	caller.End()
	spans = h.ended()
	run = spans["picoflow.run Ask"]
	wantParent(t, run, caller.SpanContext())
	wantAttrs(t, run, runAttrs("Ask", "r", 2))
	wantAttrs(t, spans["Review"], step("Ask", "r", "Review", 1, 1, "picoflow.action", "yes"))
	wantAttrs(t, spans["Answer"], step("Ask", "r", "Answer", 2, 1))
}

// TestEmit checks that emitted values are events of the step's span with
// WithEmitEvents, cut when long.
func TestEmit(t *testing.T) {
	long := strings.Repeat("é", 400) // 800 bytes
	fetch := testflow.Fetch{Do: func(ctx context.Context, in string) (string, error) {
		runtime.Emit(ctx, "tok")
		runtime.Emit(ctx, 42)
		runtime.Emit(ctx, long)
		return in, nil
	}}
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprint(on), func(t *testing.T) {
			h := newHarness(t, otelflow.WithEmitEvents(on))
			if err := testflow.NewChain(fetch, testflow.Answer{}).Run(context.Background(), testflow.NewState(), h.options()...); err != nil {
				t.Fatal(err)
			}
			evs := h.ended()["Fetch"].Events()
			if !on {
				if len(evs) != 0 {
					t.Errorf("events %v without WithEmitEvents", eventSummary(h.ended()["Fetch"]))
				}
				return
			}
			var got []string
			for _, ev := range evs {
				if ev.Name != "emit" || len(ev.Attributes) != 1 || ev.Attributes[0].Key != "picoflow.value" {
					t.Fatalf("event %v", ev)
				}
				got = append(got, ev.Attributes[0].Value.AsString())
			}
			if len(got) != 3 || got[0] != "tok" || got[1] != "42" {
				t.Fatalf("emitted %q", got)
			}
			cut := got[2]
			if !utf8.ValidString(cut) || !strings.HasSuffix(cut, "…") || len(cut) > 512+len("…") || !strings.HasPrefix(long, strings.TrimSuffix(cut, "…")) {
				t.Errorf("long value cut to %d bytes: %q", len(cut), cut)
			}
		})
	}
}

// TestConcurrentRuns runs 8 flows at once, each with a parallel group,
// through one set of options: no span of one is in another's tree.
func TestConcurrentRuns(t *testing.T) {
	h := newHarness(t)
	opts := h.options()
	const runs = 8
	callers := make([]trace.SpanContext, runs)
	var wg sync.WaitGroup
	errs := make(chan error, runs)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, caller := h.caller(context.Background())
			defer caller.End()
			callers[i] = caller.SpanContext()
			b := newBarrier(2)
			flow := testflow.NewFan(testflow.Fetch{}, testflow.Member{Name: "Left", Do: b.wait}, testflow.Member{Name: "Right", Do: b.wait}, testflow.Answer{})
			if err := flow.Run(ctx, testflow.NewState(), opts...); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	byTrace := map[trace.TraceID][]sdktrace.ReadOnlySpan{}
	for _, s := range h.rec.Ended() {
		byTrace[s.SpanContext().TraceID()] = append(byTrace[s.SpanContext().TraceID()], s)
	}
	if len(byTrace) != runs {
		t.Fatalf("%d traces, want %d", len(byTrace), runs)
	}
	ids := map[string]bool{}
	for _, c := range callers {
		spans := byTrace[c.TraceID()]
		if len(spans) != 6 {
			t.Fatalf("trace %s has %d spans, want 6 (caller, run, 4 steps)", c.TraceID(), len(spans))
		}
		var run sdktrace.ReadOnlySpan
		for _, s := range spans {
			if s.Name() == "picoflow.run Fan" {
				run = s
			}
		}
		if run == nil {
			t.Fatalf("trace %s has no run span", c.TraceID())
		}
		wantParent(t, run, c)
		id := attrs(run)["picoflow.run_id"].(string)
		ids[id] = true
		var steps []int64
		for _, s := range spans {
			if s.Name() == "caller" || s == run {
				continue
			}
			wantParent(t, s, run.SpanContext())
			a := attrs(s)
			if a["picoflow.run_id"] != id {
				t.Errorf("step %s of run %s has run_id %v", s.Name(), id, a["picoflow.run_id"])
			}
			steps = append(steps, a["picoflow.step"].(int64))
		}
		if slices.Sort(steps); !slices.Equal(steps, []int64{1, 2, 3, 4}) {
			t.Errorf("run %s: steps %v, want 1 to 4", id, steps)
		}
	}
	if len(ids) != runs {
		t.Errorf("%d run IDs, want %d", len(ids), runs)
	}
}

// TestNoStep checks that a run that begins no step (resuming one that had
// finished) makes no span and leaves no state.
func TestNoStep(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	flow := testflow.NewChain(testflow.Fetch{}, testflow.Answer{})
	if err := flow.Run(context.Background(), testflow.NewState(), runtime.WithRunID("r"), runtime.WithCheckpoints(runtime.Dir(dir))); err != nil {
		t.Fatal(err)
	}
	cp, err := runtime.RunCheckpoint(dir, "r")
	if err != nil {
		t.Fatal(err)
	}
	if err := flow.Resume(context.Background(), testflow.NewState(), cp, h.options()...); err != nil {
		t.Fatal(err)
	}
	if n := len(h.rec.Started()); n != 0 {
		t.Errorf("%d spans for a run of no step", n)
	}
}

// TestGoexit checks that the span of a step whose node called
// runtime.Goexit ends when the run does, with the run's error.
func TestGoexit(t *testing.T) {
	h := newHarness(t)
	flow := testflow.NewChain(testflow.Fetch{Do: func(context.Context, string) (string, error) {
		goruntime.Goexit()
		return "", nil
	}}, testflow.Answer{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = flow.Run(context.Background(), testflow.NewState(), h.options(runtime.WithRunID("r"))...)
	}()
	<-done
	spans := h.ended()
	run, fetch := spans["picoflow.run Chain"], spans["Fetch"]
	if run == nil || fetch == nil {
		t.Fatalf("spans %v", slices.Sorted(maps.Keys(spans)))
	}
	desc := run.Status().Description
	if run.Status().Code != codes.Error || !strings.Contains(desc, "Goexit") {
		t.Errorf("run status %v", run.Status())
	}
	wantStatus(t, fetch, codes.Error, desc)
	wantParent(t, fetch, run.SpanContext())
}
