package scale

import (
	"bytes"
	"go/format"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/codegen"
	"github.com/digital-duck/picoflow-go/dsl"
)

// TestFlowIsClean checks that a scale flow is one a user could have written:
// no error, no warning, and code generated from it. Building it is the
// measure command's job; this stays fast enough for every go test run.
func TestFlowIsClean(t *testing.T) {
	for _, n := range []int{MinNodes, 50, 141} {
		files, err := Files(n)
		if err != nil {
			t.Fatalf("%d nodes: %v", n, err)
		}
		pico := files[PicoFile]
		m, diags := dsl.Check(PicoFile, pico)
		if len(diags) > 0 {
			t.Fatalf("%d nodes: dsl.Check: %v", n, diags)
		}
		if len(m.Nodes) != n {
			t.Errorf("%d nodes: the model has %d", n, len(m.Nodes))
		}
		if _, err := codegen.Generate(m, codegen.Options{}); err != nil {
			t.Fatalf("%d nodes: codegen.Generate: %v", n, err)
		}
		for _, name := range []string{NodesFile, MainFile} {
			if got, err := format.Source(files[name]); err != nil || !bytes.Equal(got, files[name]) {
				t.Errorf("%d nodes: %s is not gofmt-formatted (err %v)", n, name, err)
			}
		}
	}
}

// TestFlowHasEveryFeature keeps the measured flow honest: each feature the
// issue asks the scale script to carry is there.
func TestFlowHasEveryFeature(t *testing.T) {
	files, err := Files(50)
	if err != nil {
		t.Fatal(err)
	}
	pico := string(files[PicoFile])
	for _, want := range []string{
		"actions next, skip", "attempts 3", "wait 10ms", "backoff 2", "timeout 1s",
		"fallback", "batch", "parallel 4", "max_steps", "Detour then ok ->", "Detour then fail ->",
	} {
		if !strings.Contains(pico, want) {
			t.Errorf("scale.pico lacks %q", want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, err := Files(50)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Files(50)
	if err != nil {
		t.Fatal(err)
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

func TestTooSmall(t *testing.T) {
	if _, err := Files(MinNodes - 1); err == nil {
		t.Errorf("Files(%d) succeeded; want an error", MinNodes-1)
	}
}
