package runtime

import (
	"context"
	"testing"
)

var sink string

// BenchmarkBaseline is the cost of the node call alone, as hand-written code
// would make it; BenchmarkStep adds what the runtime does around it.
func BenchmarkBaseline(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	var n stepNode = echo{}
	p := "prep"
	for b.Loop() {
		e, err := n.Exec(ctx, p)
		if err != nil {
			b.Fatal(err)
		}
		sink = e
	}
}

func BenchmarkStep(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	r := Start("Bench", 0, nil)
	var n stepNode = echo{}
	p := "prep"
	for b.Loop() {
		if err := r.Begin(ctx, "Bench", "Echo"); err != nil {
			b.Fatal(err)
		}
		e, err := Exec(ctx, r, Policy{Attempts: 3}, func(ctx context.Context) (string, error) {
			return n.Exec(ctx, p)
		})
		if err != nil {
			b.Fatal(r.Fail(err))
		}
		r.Enter(PhasePost)
		r.End("next")
		sink = e
	}
}
