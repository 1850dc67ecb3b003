package scenarios

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/runtime"
)

// run runs flow on a fresh store and returns the final value and the number
// of steps the runtime counted.
func run(t *testing.T, flow interface {
	Run(context.Context, *Numbers, ...runtime.Option) error
}, opts ...runtime.Option) (int, int, error) {
	t.Helper()
	s := &Numbers{}
	steps := -1
	opts = append(opts, runtime.WithHooks(runtime.Hooks{FlowEnd: func(e runtime.FlowEvent) { steps = e.Steps }}))
	err := flow.Run(context.Background(), s, opts...)
	return s.Current, steps, err
}

func branch(startValue int) *Branch {
	return &Branch{
		Start:     start[StartAction]{startValue, StartNext},
		Check:     check{},
		AddTen:    addLast{10},
		SubTwenty: addLast{-20},
	}
}

func loop() *Loop {
	return &Loop{
		Start:    start[StartAction]{10, StartNext},
		Check:    check{},
		SubThree: add[SubThreeAction]{-3, SubThreeNext},
		Done:     done{},
	}
}

func TestBranch(t *testing.T) {
	for _, tc := range []struct{ start, want int }{{5, 15}, {-5, -25}} {
		got, steps, err := run(t, branch(tc.start))
		if err != nil || got != tc.want || steps != 3 {
			t.Errorf("start %d: got %d in %d steps, err %v; want %d in 3 steps", tc.start, got, steps, err, tc.want)
		}
	}
}

func TestLoopUntilNegative(t *testing.T) {
	// 10 -> 7 -> 4 -> 1 -> -2: Start, Check, four rounds of SubThree+Check, Done.
	got, steps, err := run(t, loop())
	if err != nil || got != -2 || steps != 11 {
		t.Errorf("got %d in %d steps, err %v; want -2 in 11 steps", got, steps, err)
	}
}

func TestChain(t *testing.T) {
	got, steps, err := run(t, &Chain{First: add[FirstAction]{10, FirstNext}, Second: addLast{10}})
	if err != nil || got != 20 || steps != 2 {
		t.Errorf("got %d in %d steps, err %v; want 20 in 2 steps", got, steps, err)
	}
}

func TestMaxSteps(t *testing.T) {
	// Steps 1-5 run Start, Check, SubThree, Check, SubThree; step 6 is refused.
	got, steps, err := run(t, loop(), runtime.WithMaxSteps(5))
	if !errors.Is(err, runtime.ErrMaxSteps) {
		t.Fatalf("err = %v, want ErrMaxSteps", err)
	}
	if got != 4 || steps != 5 {
		t.Errorf("stopped at %d after %d steps, want 4 after 5", got, steps)
	}
}

func TestActionOutsideItsType(t *testing.T) {
	f := branch(5)
	f.Start = start[StartAction]{5, StartAction(7)}
	_, _, err := run(t, f)
	if !errors.Is(err, runtime.ErrBadAction) {
		t.Fatalf("err = %v, want ErrBadAction", err)
	}
	var ne *runtime.NodeError
	if !errors.As(err, &ne) || ne.Flow != "Branch" || ne.Node != "Start" || ne.Step != 1 || ne.Phase != runtime.PhasePost {
		t.Fatalf("err = %#v, want a NodeError for Branch.Start, step 1, post", err)
	}
	if !strings.Contains(err.Error(), "StartAction(7)") {
		t.Errorf("error %q does not name the bad action", err)
	}
}

func TestNilNodeRefusedBeforeFirstStep(t *testing.T) {
	f := branch(5)
	f.SubTwenty = nil
	got, steps, err := run(t, f)
	if !errors.Is(err, runtime.ErrNilNode) || !strings.Contains(err.Error(), "SubTwenty") {
		t.Fatalf("err = %v, want ErrNilNode naming SubTwenty", err)
	}
	if got != 0 || steps != -1 {
		t.Errorf("the flow ran (value %d, FlowEnd steps %d) although a node was nil", got, steps)
	}
}

func TestCanceledBeforeFirstStep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := &Numbers{}
	err := branch(5).Run(ctx, s)
	if !errors.Is(err, context.Canceled) || s.Current != 0 {
		t.Fatalf("err = %v, value %d; want context.Canceled before any step", err, s.Current)
	}
}

type panicky struct{}

func (panicky) Prep(context.Context, *Numbers) (int, error) { return 0, nil }
func (panicky) Exec(context.Context, int) (bool, error)     { panic("boom") }
func (panicky) Post(context.Context, *Numbers, int, bool) (CheckAction, error) {
	return CheckPositive, nil
}

func TestPanicBecomesNodeError(t *testing.T) {
	f := branch(5)
	f.Check = panicky{}
	_, _, err := run(t, f)
	var ne *runtime.NodeError
	var pe *runtime.PanicError
	if !errors.As(err, &ne) || ne.Node != "Check" || ne.Phase != runtime.PhaseExec || ne.Step != 2 {
		t.Fatalf("err = %v, want a NodeError for Check's exec at step 2", err)
	}
	if !errors.As(err, &pe) || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Fatalf("err = %v, want a PanicError holding \"boom\" and a stack", err)
	}
}
