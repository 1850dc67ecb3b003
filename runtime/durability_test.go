package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
)

// recordSaves is a Checkpointer that records the steps it saved and fails
// the save of step failAt (0: none).
type recordSaves struct {
	mu     sync.Mutex
	steps  []string
	failAt int
}

func (c *recordSaves) Save(_ context.Context, cp *Checkpoint) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cp.Step == c.failAt {
		return errors.New("disk full")
	}
	c.steps = append(c.steps, fmt.Sprintf("%d %s->%s", cp.Step, cp.Node, cp.Next))
	return nil
}

func (c *recordSaves) saved() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.steps
}

// Every mode saves the same checkpoints of a run that finishes on its own.
func TestDurabilityModesSaveTheSame(t *testing.T) {
	want := []string{"1 N1->N2", "2 N2->N3", "3 N3->"}
	for _, d := range []Durability{DurabilitySync, DurabilityAsync} {
		c := &recordSaves{}
		if err := counter("C", 3).Run(context.Background(), &tf{}, &testStore{}, []Option{WithCheckpoints(c), WithDurability(d)}); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if got := c.saved(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s saved %q, want %q", d, got, want)
		}
	}
	c := &recordSaves{}
	if err := counter("C", 3).Run(context.Background(), &tf{}, &testStore{}, []Option{WithCheckpoints(c), WithDurability(DurabilityExit)}); err != nil {
		t.Fatal(err)
	}
	if got, want := c.saved(), want[2:]; !reflect.DeepEqual(got, want) {
		t.Errorf("exit saved %q, want only the last, %q", got, want)
	}
}

// failingAt is counter("C", n) whose member N<k> fails in its Post.
func failingAt(n, k int) *Flow[*tf, testStore] {
	fl := counter("C", n)
	node := fmt.Sprintf("N%d", k)
	fl.Members[k-1].Step = func(_ *tf, ctx context.Context, r *Run, s *testStore) (int, int, error) {
		if err := r.Begin(ctx, "C", node); err != nil {
			return 0, 0, err
		}
		r.Enter(PhasePost)
		return 0, 0, r.Fail("C", node, errors.New("broken"))
	}
	return fl
}

// With DurabilityExit a run that fails saves the checkpoint of the last step
// that completed, which resumes at the failed node; so does one canceled.
func TestDurabilityExitOnFailure(t *testing.T) {
	c := &recordSaves{}
	err := failingAt(5, 3).Run(context.Background(), &tf{}, &testStore{}, []Option{WithCheckpoints(c), WithDurability(DurabilityExit)})
	if got, want := fmt.Sprint(err), "flow C: node N3 (step 3) post: broken"; got != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if got, want := c.saved(), []string{"2 N2->N3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("saved %q, want %q", got, want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	fl := counter("C", 5)
	step := fl.Members[1].Step
	fl.Members[1].Step = func(f *tf, ctx context.Context, r *Run, s *testStore) (int, int, error) {
		defer cancel() // at the end of step 2: step 3 is refused
		return step(f, ctx, r, s)
	}
	c = &recordSaves{}
	err = fl.Run(ctx, &tf{}, &testStore{}, []Option{WithCheckpoints(c), WithDurability(DurabilityExit)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if got, want := c.saved(), []string{"2 N2->N3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("canceled run saved %q, want %q", got, want)
	}
}

// A failed save fails the run at once with DurabilitySync, one step late with
// DurabilityAsync, and when the run stops with DurabilityExit; the error
// names the step whose checkpoint was lost.
func TestDurabilitySaveError(t *testing.T) {
	for _, tc := range []struct {
		d     Durability
		steps int // the steps begun when the run failed
	}{
		{DurabilitySync, 2},
		{DurabilityAsync, 3},
		{DurabilityExit, 5},
	} {
		failAt := 2
		if tc.d == DurabilityExit {
			failAt = 5 // the only save
		}
		c := &recordSaves{failAt: failAt}
		steps := 0
		hooks := WithHooks(Hooks{FlowEnd: func(e FlowEvent) { steps = e.Steps }})
		err := counter("C", 5).Run(context.Background(), &tf{}, &testStore{}, []Option{WithCheckpoints(c), WithDurability(tc.d), hooks})
		want := fmt.Sprintf("flow C: checkpoint after step %d: disk full", failAt)
		if fmt.Sprint(err) != want || steps != tc.steps {
			t.Errorf("%s: got %v after %d steps, want %s after %d", tc.d, err, steps, want, tc.steps)
		}
	}
	// A run that fails in a step and then loses its checkpoint reports both.
	c := &recordSaves{failAt: 2}
	err := failingAt(5, 3).Run(context.Background(), &tf{}, &testStore{}, []Option{WithCheckpoints(c), WithDurability(DurabilityAsync)})
	want := "flow C: node N3 (step 3) post: broken\nflow C: checkpoint after step 2: disk full"
	var ne *NodeError
	if fmt.Sprint(err) != want || !errors.As(err, &ne) {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestDurabilityString(t *testing.T) {
	for d, want := range map[Durability]string{DurabilitySync: "sync", DurabilityAsync: "async", DurabilityExit: "exit", 7: "Durability(7)"} {
		if got := d.String(); got != want {
			t.Errorf("%d: %q, want %q", d, got, want)
		}
	}
}
