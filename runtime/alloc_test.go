package runtime

import (
	"context"
	"testing"
)

type stepNode interface {
	Exec(ctx context.Context, prep string) (string, error)
}

type echo struct{}

func (echo) Exec(_ context.Context, prep string) (string, error) { return prep, nil }

// The plain path of a step must not allocate: generated code runs it once
// per node, possibly millions of times in a daemon flow.
func TestStepZeroAllocs(t *testing.T) {
	ctx := context.Background()
	r := start(context.Background(), "F", testSchema, 0, nil, nil)
	// The store, passed as any the way generated code passes *Ticket: a
	// pointer in an interface needs no allocation.
	s := &testStore{Query: "q"}
	allocs := testing.AllocsPerRun(1000, func() {
		if err := r.Begin(ctx, "F", "A"); err != nil {
			t.Fatal(err)
		}
		if r.writes {
			t.Fatal("WatchesWrites without hooks")
		}
		r.Enter(PhasePost)
		if err := r.end("next", "B", s); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Begin/Enter/End allocates %v times per step, want 0", allocs)
	}
}

// Hooks without StoreWrite keep Write, which generated code calls only
// after WatchesWrites, free as well.
func TestWriteZeroAllocsUnwatched(t *testing.T) {
	r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithHooks(Hooks{NodeEnd: func(NodeEvent) {}})})
	old, cur := "a", "b"
	allocs := testing.AllocsPerRun(1000, func() {
		if r.writes {
			r.Write("intent", old, cur)
		}
	})
	if allocs != 0 {
		t.Errorf("an unwatched store write allocates %v times, want 0", allocs)
	}
}

// A fallback that is never needed costs nothing: ExecBatch with a nil one
// allocates only its result slice.
func TestExecBatchNilFallbackAllocs(t *testing.T) {
	ctx := context.Background()
	r := begun(t)
	items := []int{1, 2, 3}
	allocs := testing.AllocsPerRun(1000, func() {
		out, err := ExecBatch(ctx, r, Policy{Attempts: 2}, items, func(_ context.Context, i int) (int, error) { return i, nil }, nil)
		if err != nil || len(out) != 3 {
			t.Fatal(out, err)
		}
	})
	if allocs != 1 {
		t.Errorf("ExecBatch allocates %v times, want 1 (the result slice)", allocs)
	}
}

func TestExecZeroAllocs(t *testing.T) {
	ctx := context.Background()
	r := start(context.Background(), "F", testSchema, 0, nil, nil)
	var n stepNode = echo{}
	p := "prep"
	allocs := testing.AllocsPerRun(1000, func() {
		// The closure has the shape generated code gives it.
		e, err := Exec(ctx, r, Policy{Attempts: 3, Wait: 1}, func(ctx context.Context) (string, error) {
			return n.Exec(ctx, p)
		})
		if err != nil || e != p {
			t.Fatal(e, err)
		}
	})
	if allocs != 0 {
		t.Errorf("Exec allocates %v times on success, want 0", allocs)
	}
}

// A run that nothing watches allocates only its Run: no ID, no clock.
func TestStartAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(1000, func() {
		r := start(context.Background(), "F", testSchema, 0, nil, nil)
		_ = r.finish(nil)
	})
	if allocs != 1 {
		t.Errorf("Start and Finish of a plain run allocate %v times, want 1", allocs)
	}
}
