package nested

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/digital-duck/picoflow-go/runtime"
)

// trace records the steps a run takes, as "Flow.Node:action".
func trace(steps *[]string, total *int) runtime.Option {
	return runtime.WithHooks(runtime.Hooks{
		NodeEnd: func(e runtime.NodeEvent) { *steps = append(*steps, e.Flow+"."+e.Node+":"+e.Action) },
		FlowEnd: func(e runtime.FlowEvent) { *total = e.Steps },
	})
}

func TestComposeThreeLevels(t *testing.T) {
	c := &Calc{}
	var steps []string
	total := 0
	if err := compose().Run(context.Background(), c, trace(&steps, &total)); err != nil {
		t.Fatal(err)
	}
	want := []string{"Number.Set:done", "Number.Keep:kept", "Plus.AddTen:next", "Compose.Double:"}
	if c.Value != 30 || total != 4 || !slices.Equal(steps, want) {
		t.Errorf("value %d in %d steps %v; want 30 in 4 steps %v", c.Value, total, steps, want)
	}
}

func TestInnerOutcomeRoutesOuterFlow(t *testing.T) {
	for _, tc := range []struct {
		value int
		want  string
	}{{12, "B"}, {3, "A"}} {
		c := &Calc{Value: tc.value}
		if err := route().Run(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		if c.Path != tc.want {
			t.Errorf("value %d took path %q, want %q", tc.value, c.Path, tc.want)
		}
	}
}

func TestMaxStepsCountsInnerSteps(t *testing.T) {
	err := compose().Run(context.Background(), &Calc{}, runtime.WithMaxSteps(2))
	if !errors.Is(err, runtime.ErrMaxSteps) {
		t.Fatalf("err = %v, want ErrMaxSteps after the two steps inside Number", err)
	}
}

func TestNilSubflowRefusedBeforeFirstStep(t *testing.T) {
	for name, unset := range map[string]func(*Compose){
		"a node two levels down": func(f *Compose) { f.Plus.Number.Keep = nil },
		"a subflow field":        func(f *Compose) { f.Plus.Number = nil },
	} {
		f := compose()
		unset(f)
		c := &Calc{}
		if err := f.Run(context.Background(), c); !errors.Is(err, runtime.ErrNilNode) || c.Value != 0 {
			t.Errorf("%s nil: err = %v, value %d; want ErrNilNode before any step", name, err, c.Value)
		}
	}
}

// TestResumeInsideSubflows resumes from every checkpoint of a run, among
// them one taken two subflows deep, and each ends as the full run did.
func TestResumeInsideSubflows(t *testing.T) {
	dir := t.TempDir()
	if err := compose().Run(context.Background(), &Calc{}, runtime.WithCheckpoints(runtime.Dir(dir))); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "step_*.json")) // the run's directory
	if err != nil || len(files) != 4 {
		t.Fatalf("checkpoints %v (err %v), want 4", files, err)
	}
	var nexts []string
	for _, file := range files {
		cp, err := runtime.LoadCheckpoint(file)
		if err != nil {
			t.Fatal(err)
		}
		nexts = append(nexts, cp.Next)
		c := &Calc{}
		var steps []string
		total := 0
		if err := compose().Resume(context.Background(), c, cp, trace(&steps, &total)); err != nil {
			t.Fatalf("resume from %s: %v", filepath.Base(file), err)
		}
		if c.Value != 30 || total != 4 {
			t.Errorf("resume from %s (next %q): value %d after step %d, want 30 after step 4", filepath.Base(file), cp.Next, c.Value, total)
		}
	}
	want := []string{"Plus/Number/Keep", "Plus/AddTen", "Double", ""}
	if !slices.Equal(nexts, want) {
		t.Errorf("checkpoints name next %q, want %q", nexts, want)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(files[0]), "step_001_Set.json")); err != nil {
		t.Error(err)
	}
}
