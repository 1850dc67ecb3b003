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
	r := Start("F", 0, nil)
	allocs := testing.AllocsPerRun(1000, func() {
		if err := r.Begin(ctx, "F", "A"); err != nil {
			t.Fatal(err)
		}
		r.Enter(PhasePost)
		r.End("next")
	})
	if allocs != 0 {
		t.Errorf("Begin/Enter/End allocates %v times per step, want 0", allocs)
	}
}

func TestExecZeroAllocs(t *testing.T) {
	ctx := context.Background()
	r := Start("F", 0, nil)
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
