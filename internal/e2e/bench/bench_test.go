package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/runtime"
)

// rounds of Tick+Check per run: 2*rounds steps.
const rounds = 500

func newFlow() *Count { return &Count{Tick: tick{}, Check: check{limit: rounds}} }

// handWritten is the baseline: the loop a person would write by hand over
// the same node interfaces, with the same cancellation check per step.
func handWritten(ctx context.Context, f *Count, s *Counter) error {
	const (
		atTick = iota
		atCheck
	)
	at := atTick
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch at {
		case atTick:
			p, err := f.Tick.Prep(ctx, s)
			if err != nil {
				return err
			}
			e, err := f.Tick.Exec(ctx, p)
			if err != nil {
				return err
			}
			if _, err := f.Tick.Post(ctx, s, p, e); err != nil {
				return err
			}
			at = atCheck
		case atCheck:
			p, err := f.Check.Prep(ctx, s)
			if err != nil {
				return err
			}
			a, err := f.Check.Post(ctx, s, p)
			if err != nil {
				return err
			}
			if a == CheckDone {
				return nil
			}
			at = atTick
		}
	}
}

func TestHandWrittenMatchesGenerated(t *testing.T) {
	a, b := &Counter{}, &Counter{}
	if err := handWritten(context.Background(), newFlow(), a); err != nil {
		t.Fatal(err)
	}
	steps := 0
	hooks := runtime.Hooks{FlowEnd: func(e runtime.FlowEvent) { steps = e.Steps }}
	if err := newFlow().Run(context.Background(), b, runtime.WithHooks(hooks)); err != nil {
		t.Fatal(err)
	}
	if *a != *b || a.Count != rounds || steps != 2*rounds {
		t.Fatalf("hand-written %+v, generated %+v in %d steps; want count %d in %d steps", a, b, steps, rounds, 2*rounds)
	}
}

// bench runs run b.N times and reports the cost per step.
func bench(b *testing.B, run func(*Counter) error) {
	b.ReportAllocs()
	s := &Counter{}
	for b.Loop() {
		s.Count = 0
		if err := run(s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(2*rounds), "ns/step")
}

func BenchmarkHandWritten(b *testing.B) {
	f, ctx := newFlow(), context.Background()
	bench(b, func(s *Counter) error { return handWritten(ctx, f, s) })
}

func BenchmarkGenerated(b *testing.B) {
	f, ctx := newFlow(), context.Background()
	bench(b, func(s *Counter) error { return f.Run(ctx, s) })
}

// The JSON pair gives Tick's Exec a little real work, to show the runtime's
// cost beside the least a node does.
func BenchmarkHandWrittenJSON(b *testing.B) {
	f, ctx := &Count{Tick: tick{encode: true}, Check: check{limit: rounds}}, context.Background()
	bench(b, func(s *Counter) error { return handWritten(ctx, f, s) })
}

func BenchmarkGeneratedJSON(b *testing.B) {
	f, ctx := &Count{Tick: tick{encode: true}, Check: check{limit: rounds}}, context.Background()
	bench(b, func(s *Counter) error { return f.Run(ctx, s) })
}

func BenchmarkGeneratedNodeHooks(b *testing.B) {
	f, ctx := newFlow(), context.Background()
	steps := 0
	hooks := runtime.WithHooks(runtime.Hooks{
		NodeStart: func(runtime.NodeEvent) { steps++ },
		NodeEnd:   func(runtime.NodeEvent) { steps++ },
	})
	bench(b, func(s *Counter) error { return f.Run(ctx, s, hooks) })
}

// BenchmarkCheckpoint10KB saves a checkpoint after every step of a run whose
// store holds 10 KB, to a directory on disk.
func BenchmarkCheckpoint10KB(b *testing.B) {
	f, ctx := newFlow(), context.Background()
	dir := b.TempDir()
	payload := strings.Repeat("x", 10<<10)
	bench(b, func(s *Counter) error {
		s.Payload = payload
		return f.Run(ctx, s, runtime.WithCheckpoints(runtime.Dir(dir)))
	})
}
