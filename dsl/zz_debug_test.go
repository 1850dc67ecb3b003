package dsl

import (
	"fmt"
	"os"
	"testing"
)

func TestZZDebug(t *testing.T) {
	src, _ := os.ReadFile("../testdata/check/support.pico")
	m, d := Check("support.pico", src)
	fmt.Println(d)
	if m == nil {
		return
	}
	fmt.Println(m.Package, len(m.Imports), m.Store.Name, m.Store.Doc)
	for _, f := range m.Store.Fields {
		fmt.Printf("  %s %s %s def=%v doc=%q c=%q\n", f.Name, f.GoName, f.Type, f.Default, f.Doc, f.Comment)
	}
	for _, n := range m.Nodes {
		fmt.Printf("node %s prep=%v exec=%v att=%d wait=%v back=%v to=%v batch=%v par=%d doc=%q acts=", n.Name, n.Prep, n.Exec, n.Attempts, n.Wait, n.Backoff, n.Timeout, n.Batch, n.Parallel, n.Doc)
		for _, a := range n.Actions {
			fmt.Print(a.Name, "/", a.GoName, " ")
		}
		fmt.Println()
	}
	for _, f := range m.Flows {
		fmt.Printf("flow %s sub=%v max=%d start=%s outcomes=%v\n", f.Name, f.Subflow, f.MaxSteps, f.Start.Name(), actionNames(f.Outcomes))
		for _, mm := range f.Members {
			fmt.Printf("  member %s:", mm.Name())
			for _, r := range mm.Routes {
				to := "end"
				if r.Target != nil {
					to = r.Target.Name()
				}
				fmt.Printf(" %s->%s(%s)", r.Action.Name, to, r.Edge.Label)
			}
			fmt.Println()
		}
	}
}
