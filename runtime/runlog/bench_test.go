package runlog_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/internal/testflow"
	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// benchSteps is the Count steps of a benchmark run (it then runs the group
// and stops at the question: 3 steps more).
const benchSteps = 50

// BenchmarkStep: the cost of a step with no checkpointer, with runtime.Dir
// and with the run log, timed in turn inside each iteration (as the
// benchmarks of internal/e2e/bench are) so that the machine's drift
// cancels in their ratios. The figures are ns per step.
func BenchmarkStep(b *testing.B) {
	dir := b.TempDir()
	l, err := runlog.Open(filepath.Join(dir, "runs.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	f := testflow.New(testflow.Nodes{})
	variants := []struct {
		name string
		opts []runtime.Option
	}{
		{"none", nil},
		{"dir", []runtime.Option{runtime.WithCheckpoints(runtime.Dir(filepath.Join(dir, "cp")))}},
		{"runlog", l.Options()},
	}
	spent := make([]time.Duration, len(variants))
	b.ReportAllocs()
	for b.Loop() {
		for i, v := range variants {
			j := testflow.NewJob()
			j.Limit = benchSteps
			t0 := time.Now()
			err := f.Run(context.Background(), j, v.opts...)
			spent[i] += time.Since(t0)
			var in *runtime.Interrupt
			if !errors.As(err, &in) {
				b.Fatal(err)
			}
		}
	}
	for i, v := range variants {
		b.ReportMetric(float64(spent[i].Nanoseconds())/float64(b.N)/(benchSteps+3), v.name+"-ns/step")
	}
}
