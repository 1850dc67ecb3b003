package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// A run that hooks or checkpoints watch gets a fresh random ID; a plain one
// makes none, since nothing could read it.
func TestStartRunID(t *testing.T) {
	watched := []Option{WithHooks(Hooks{FlowEnd: func(FlowEvent) {}})}
	if r := start(context.Background(), "F", testSchema, 0, nil, nil); r.id != "" {
		t.Errorf("a plain run made the id %q", r.id)
	}
	a, b := start(context.Background(), "F", testSchema, 0, nil, watched), start(context.Background(), "F", testSchema, 0, nil, watched)
	for _, id := range []string{a.id, b.id} {
		if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
			t.Errorf("run id %q: want 16 hex digits", id)
		}
	}
	if a.id == b.id {
		t.Errorf("two runs share the id %q", a.id)
	}
}

func TestBeginMaxSteps(t *testing.T) {
	ctx := context.Background()
	r := start(context.Background(), "Loop", testSchema, 10, nil, nil)
	for i := 1; i <= 10; i++ {
		if err := r.Begin(ctx, "Loop", "Tick"); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	err := r.Begin(ctx, "Loop", "Tick")
	if !errors.Is(err, ErrMaxSteps) {
		t.Fatalf("step 11: got %v, want ErrMaxSteps", err)
	}
	if got, want := err.Error(), "flow Loop: step 11 exceeds max_steps 10"; got != want {
		t.Errorf("error text %q, want %q", got, want)
	}
	if r.step != 10 {
		t.Errorf("steps counted %d, want 10: a refused step is not begun", r.step)
	}
}

func TestWithMaxStepsOverrides(t *testing.T) {
	ctx := context.Background()
	r := start(context.Background(), "Loop", testSchema, 10, nil, []Option{WithMaxSteps(2)})
	for i := 1; i <= 2; i++ {
		if err := r.Begin(ctx, "Loop", "Tick"); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if err := r.Begin(ctx, "Loop", "Tick"); !errors.Is(err, ErrMaxSteps) {
		t.Fatalf("step 3: got %v, want ErrMaxSteps", err)
	}

	r = start(context.Background(), "Loop", testSchema, 5, nil, []Option{WithMaxSteps(0)})
	for i := 1; i <= 100; i++ {
		if err := r.Begin(ctx, "Loop", "Tick"); err != nil {
			t.Fatalf("WithMaxSteps(0), step %d: %v", i, err)
		}
	}
}

// Cancellation during step 1 is refused before step 2, with and without
// hooks, and before max_steps is: the run stops because it was canceled.
func TestCanceledBeforeNextStep(t *testing.T) {
	for name, opts := range map[string][]Option{
		"plain":       nil,
		"hooks":       {WithHooks(Hooks{NodeEnd: func(NodeEvent) {}})},
		"checkpoints": {WithCheckpoints(Dir(t.TempDir()))},
		"max steps 1": {WithMaxSteps(1)},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		fl := counter("X", 3)
		first := fl.Members[0].Step
		fl.Members[0].Step = func(f *tf, ctx context.Context, r *Run, s *testStore) (int, int, error) {
			defer cancel()
			return first(f, ctx, r, s)
		}
		s := &testStore{}
		err := fl.Run(ctx, &tf{}, s, opts)
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrMaxSteps) {
			t.Fatalf("%s: got %v, want only context.Canceled", name, err)
		}
		if got, want := err.Error(), "flow X: canceled before step 2: context canceled"; got != want || s.Tries != 1 {
			t.Errorf("%s: error text %q after %d steps, want %q after 1", name, got, s.Tries, want)
		}
	}
}

func TestNodeErrorText(t *testing.T) {
	boom := errors.New("boom")
	r := start(context.Background(), "Support", testSchema, 0, nil, nil)
	ctx := context.Background()
	for range 3 {
		if err := r.Begin(ctx, "Support", "Classify"); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Exec(ctx, r, Policy{}, func(context.Context) (int, error) { return 0, boom })
	err = r.Fail("Support", "Classify", err)
	if got, want := err.Error(), "flow Support: node Classify (step 3) exec: boom"; got != want {
		t.Errorf("error text %q, want %q", got, want)
	}
	var ne *NodeError
	if !errors.As(err, &ne) {
		t.Fatalf("%v is not a *NodeError", err)
	}
	want := NodeError{Flow: "Support", Node: "Classify", Step: 3, Phase: PhaseExec, Err: boom}
	if *ne != want {
		t.Errorf("got %+v, want %+v", *ne, want)
	}
	if !errors.Is(err, boom) {
		t.Error("NodeError does not unwrap to its cause")
	}
}

func TestPhaseNames(t *testing.T) {
	for p, want := range map[Phase]string{0: "", PhasePrep: "prep", PhaseExec: "exec", PhasePost: "post", 9: ""} {
		if got := p.String(); got != want {
			t.Errorf("Phase(%d).String() = %q, want %q", p, got, want)
		}
	}
	// A NodeError of no phase names none.
	ne := &NodeError{Flow: "F", Node: "Sub", Step: 2, Err: errors.New("x")}
	if got, want := ne.Error(), "flow F: node Sub (step 2): x"; got != want {
		t.Errorf("error text %q, want %q", got, want)
	}
}

func TestPhases(t *testing.T) {
	ctx := context.Background()
	r := start(context.Background(), "F", testSchema, 0, nil, nil)
	if err := r.Begin(ctx, "F", "A"); err != nil {
		t.Fatal(err)
	}
	check := func(want Phase) {
		t.Helper()
		var ne *NodeError
		if err := r.Fail("F", "A", errors.New("x")); !errors.As(err, &ne) || ne.Phase != want {
			t.Errorf("phase %q, want %q", ne.Phase, want)
		}
	}
	check(PhasePrep)
	_, _ = Exec(ctx, r, Policy{}, func(context.Context) (int, error) { return 1, nil })
	check(PhaseExec)
	r.Enter(PhasePost)
	check(PhasePost)
	if err := r.Begin(ctx, "F", "B"); err != nil {
		t.Fatal(err)
	}
	check(PhasePrep)
	_, _ = ExecBatch(ctx, r, Policy{}, []int{1}, func(_ context.Context, i int) (int, error) { return i, nil }, nil)
	check(PhaseExec)
}

func TestFailKeepsNestedNodeError(t *testing.T) {
	ctx := context.Background()
	var fired []string
	r := start(context.Background(), "Parent", testSchema, 0, nil, []Option{WithHooks(Hooks{NodeError: func(e NodeEvent) {
		fired = append(fired, e.Flow+"."+e.Node)
	}})})
	if err := r.Begin(ctx, "Parent", "Sub"); err != nil {
		t.Fatal(err)
	}
	// The subflow runs on the same Run and fails in its own node.
	if err := r.Begin(ctx, "Child", "Inner"); err != nil {
		t.Fatal(err)
	}
	inner := r.failed(r.Fail("Child", "Inner", errors.New("bad")))
	outer := r.failed(r.Fail("Parent", "Sub", inner))
	if outer != inner {
		t.Errorf("Fail wrapped a *NodeError again: %v", outer)
	}
	if got, want := outer.Error(), "flow Child: node Inner (step 2) prep: bad"; got != want {
		t.Errorf("error text %q, want %q", got, want)
	}
	if !reflect.DeepEqual(fired, []string{"Child.Inner"}) {
		t.Errorf("NodeError hook fired for %v, want once for Child.Inner", fired)
	}
	if r.Fail("F", "A", nil) != nil {
		t.Error("Fail(nil) is not nil")
	}
}

func TestBadAction(t *testing.T) {
	ctx := context.Background()
	r := start(context.Background(), "Support", testSchema, 0, nil, nil)
	if err := r.Begin(ctx, "Support", "Classify"); err != nil {
		t.Fatal(err)
	}
	r.Enter(PhasePost)
	err := r.BadAction("Support", "Classify", act("ClassifyAction(9)"))
	if !errors.Is(err, ErrBadAction) {
		t.Fatalf("got %v, want ErrBadAction", err)
	}
	want := `flow Support: node Classify (step 1) post: bad action "ClassifyAction(9)": not one of the node's actions`
	if err.Error() != want {
		t.Errorf("error text %q, want %q", err.Error(), want)
	}
	var ne *NodeError
	if !errors.As(err, &ne) || ne.Phase != PhasePost {
		t.Errorf("got %#v, want a *NodeError in phase post", err)
	}
}

func TestMissingNode(t *testing.T) {
	err := MissingNode("Support", "Classify")
	if !errors.Is(err, ErrNilNode) {
		t.Fatalf("got %v, want ErrNilNode", err)
	}
	if got, want := err.Error(), "flow Support: nil node Classify: set the Classify field before running"; got != want {
		t.Errorf("error text %q, want %q", got, want)
	}
}

func TestPermanent(t *testing.T) {
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) is not nil")
	}
	base := &testErr{"quota"}
	err := fmt.Errorf("call: %w", Permanent(base))
	if !errors.Is(err, base) {
		t.Error("errors.Is does not see through Permanent")
	}
	var te *testErr
	if !errors.As(err, &te) || te != base {
		t.Error("errors.As does not see through Permanent")
	}
	if got, want := err.Error(), "call: quota"; got != want {
		t.Errorf("error text %q, want %q", got, want)
	}
	if !IsPermanent(err) || IsPermanent(base) || IsPermanent(nil) {
		t.Error("IsPermanent does not tell a Permanent error, wrapped, from others")
	}
}

type testErr struct{ s string }

func (e *testErr) Error() string { return e.s }

// panicky runs a node the way a flow does, with its recover deferred.
func panicky(r *Run, phase Phase, v any) (err error) {
	defer r.recoverStep("F", "Boom", &err)
	if err := r.Begin(context.Background(), "F", "Boom"); err != nil {
		return err
	}
	r.Enter(phase)
	panic(v)
}

func TestRecover(t *testing.T) {
	r := start(context.Background(), "F", testSchema, 0, nil, nil)
	err := panicky(r, PhasePost, "kaboom")
	var ne *NodeError
	if !errors.As(err, &ne) {
		t.Fatalf("got %v, want a *NodeError", err)
	}
	if ne.Phase != PhasePost || ne.Node != "Boom" || ne.Step != 1 {
		t.Errorf("got %+v, want node Boom, step 1, phase post", ne)
	}
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a *PanicError inside", err)
	}
	if pe.Value != "kaboom" {
		t.Errorf("panic value %v, want kaboom", pe.Value)
	}
	if !strings.Contains(string(pe.Stack), "panicky") {
		t.Errorf("stack does not show the panicking function:\n%s", pe.Stack)
	}
	if got, want := err.Error(), "flow F: node Boom (step 1) post: panic: kaboom"; got != want {
		t.Errorf("error text %q, want %q", got, want)
	}

	cause := errors.New("cause")
	if err := panicky(r, PhaseExec, cause); !errors.Is(err, cause) {
		t.Errorf("panic(err): %v does not unwrap to err", err)
	}
}

func TestRecoverWithoutPanic(t *testing.T) {
	r := start(context.Background(), "F", testSchema, 0, nil, nil)
	want := errors.New("plain")
	err := func() (err error) {
		defer r.recoverStep("F", "A", &err)
		return want
	}()
	if err != want {
		t.Errorf("got %v, want the error unchanged", err)
	}
}

func TestEmptyHooksStayOffThePath(t *testing.T) {
	r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithHooks(Hooks{}), nil, WithHooks(Hooks{})})
	if len(r.hooks) != 0 {
		t.Errorf("%d hook sets kept, want 0", len(r.hooks))
	}
	if !r.start.IsZero() {
		t.Error("a run without hooks read the clock")
	}
}

// act is an action for tests, as generated action types are: a value with
// a String method.
type act string

func (a act) String() string { return string(a) }
