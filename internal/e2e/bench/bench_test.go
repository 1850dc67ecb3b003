package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

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
	if !reflect.DeepEqual(a, b) || a.Count != rounds || steps != 2*rounds {
		t.Fatalf("hand-written %+v, generated %+v in %d steps; want count %d in %d steps", a, b, steps, rounds, 2*rounds)
	}
}

// The benchmarks come in groups whose variants do the same work, to be
// compared as ratios within one run (see the compare command beside this
// file, which runs the groups in interleaved rounds): each reports ns/step.

// bench runs run b.N times and reports the cost per step of a run of
// steps steps.
func bench(b *testing.B, steps int, run func(*Counter) error) {
	b.ReportAllocs()
	s := &Counter{}
	for b.Loop() {
		s.Count = 0
		if err := run(s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(steps), "ns/step")
}

// variant is one of the runs that paired interleaves.
type variant struct {
	name string
	run  func(*Counter) error
}

// paired runs each variant once per iteration, in turn, timing each apart,
// and reports each one's ns/step (name-ns/step) over runs of steps steps:
// the variants share every moment of the machine's noise, so their ratio
// holds where separate benchmarks' would drift (the compare command reads
// these metrics).
func paired(b *testing.B, steps int, variants ...variant) {
	b.ReportAllocs()
	s := &Counter{}
	spent := make([]time.Duration, len(variants))
	for b.Loop() {
		for i, v := range variants {
			s.Count = 0
			t0 := time.Now()
			if err := v.run(s); err != nil {
				b.Fatal(err)
			}
			spent[i] += time.Since(t0)
		}
	}
	for i, v := range variants {
		b.ReportMetric(float64(spent[i].Nanoseconds())/float64(b.N)/float64(steps), v.name+"-ns/step")
	}
}

// BenchmarkStep: a plain step, generated against hand-written, with a
// context that can never be canceled and with one that can.
func BenchmarkStep(b *testing.B) {
	canceled, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{{"background", context.Background()}, {"cancellable", canceled}} {
		f, ctx := newFlow(), c.ctx
		b.Run(c.name, func(b *testing.B) {
			paired(b, 2*rounds,
				variant{"hand", func(s *Counter) error { return handWritten(ctx, f, s) }},
				variant{"generated", func(s *Counter) error { return f.Run(ctx, s) }},
			)
		})
	}
}

// BenchmarkStepJSON gives Tick's Exec a little real work, to show the
// runtime's cost beside the least a node does.
func BenchmarkStepJSON(b *testing.B) {
	f, ctx := &Count{Tick: tick{encode: true}, Check: check{limit: rounds}}, context.Background()
	paired(b, 2*rounds,
		variant{"hand", func(s *Counter) error { return handWritten(ctx, f, s) }},
		variant{"generated", func(s *Counter) error { return f.Run(ctx, s) }},
	)
}

var sinceSink time.Duration

// BenchmarkHooks: what NodeStart and NodeEnd hooks add to a step, beside
// one time.Since (the least a hook that times steps must do), read as
// many times as the run has steps.
func BenchmarkHooks(b *testing.B) {
	f, ctx := newFlow(), context.Background()
	steps := 0
	hooks := runtime.WithHooks(runtime.Hooks{
		NodeStart: func(runtime.NodeEvent) { steps++ },
		NodeEnd:   func(runtime.NodeEvent) { steps++ },
	})
	paired(b, 2*rounds,
		variant{"plain", func(s *Counter) error { return f.Run(ctx, s) }},
		variant{"hooks", func(s *Counter) error { return f.Run(ctx, s, hooks) }},
		variant{"since", func(*Counter) error {
			t0 := time.Now()
			for range 2 * rounds {
				sinceSink += time.Since(t0)
			}
			return nil
		}},
	)
}

// BenchmarkStoreWrite: a StoreWrite hook on steps that change nothing,
// beside the same steps unwatched.
func BenchmarkStoreWrite(b *testing.B) {
	n := 0
	f, ctx := &Watch{Look: look{n: &n, limit: 2 * rounds}}, context.Background()
	writes := 0
	hook := runtime.WithHooks(runtime.Hooks{StoreWrite: func(runtime.WriteEvent) { writes++ }})
	paired(b, 2*rounds,
		variant{"plain", func(s *Counter) error { n = 0; return f.Run(ctx, s) }},
		variant{"watched", func(s *Counter) error { n = 0; return f.Run(ctx, s, hook) }},
	)
	if writes != 0 {
		b.Fatalf("%d writes reported on steps that write nothing", writes)
	}
}

// storeSizes are the payloads of the checkpoint benchmarks.
var storeSizes = []struct {
	name string
	n    int
}{{"10KB", 10 << 10}, {"1MB", 1 << 20}}

// checkpointSteps is the length of a checkpointed run: short, since each
// step writes a file.
const checkpointSteps = 20

// BenchmarkCheckpoint: a checkpoint after every step, on disk, beside
// writing the same bytes durably by hand: a temporary file written and
// synced, renamed into place, the directory synced.
func BenchmarkCheckpoint(b *testing.B) {
	for _, size := range storeSizes {
		payload := strings.Repeat("x", size.n)
		data, err := json.Marshal(&Counter{Count: 1, Payload: payload})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(size.name+"/raw", func(b *testing.B) {
			dir := b.TempDir()
			b.ReportAllocs()
			for b.Loop() {
				for i := range checkpointSteps {
					if err := durableWrite(dir, fmt.Sprintf("step_%03d.json", i), data); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/checkpointSteps, "ns/step")
		})
		b.Run(size.name+"/checkpoint", func(b *testing.B) {
			f, ctx := &Count{Tick: tick{}, Check: check{limit: checkpointSteps / 2}}, context.Background()
			dir := b.TempDir()
			bench(b, checkpointSteps, func(s *Counter) error {
				s.Payload = payload
				return f.Run(ctx, s, runtime.WithCheckpoints(runtime.Dir(dir)))
			})
		})
	}
}

// durableWrite writes data to dir/name as a checkpoint must be written.
func durableWrite(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// durabilityWork is what each step waits, as a call to a model would: long
// enough for a save to hide behind it.
const durabilityWork = 5 * time.Millisecond

// BenchmarkDurability: steps that wait durabilityWork each, without
// checkpoints and with each durability mode. What a mode adds to a step is
// its ns/step less that of "none".
func BenchmarkDurability(b *testing.B) {
	for _, size := range storeSizes {
		payload := strings.Repeat("x", size.n)
		f, ctx := &Count{Tick: tick{work: durabilityWork}, Check: check{limit: checkpointSteps / 2, work: durabilityWork}}, context.Background()
		for _, mode := range []struct {
			name string
			opts []runtime.Option
		}{
			{"none", nil},
			{"sync", []runtime.Option{runtime.WithDurability(runtime.DurabilitySync)}},
			{"async", []runtime.Option{runtime.WithDurability(runtime.DurabilityAsync)}},
			{"exit", []runtime.Option{runtime.WithDurability(runtime.DurabilityExit)}},
		} {
			b.Run(size.name+"/"+mode.name, func(b *testing.B) {
				dir := b.TempDir()
				opts := mode.opts
				if mode.name != "none" {
					opts = append(opts, runtime.WithCheckpoints(runtime.Dir(dir)))
				}
				bench(b, checkpointSteps, func(s *Counter) error {
					s.Payload = payload
					return f.Run(ctx, s, opts...)
				})
			})
		}
	}
}
