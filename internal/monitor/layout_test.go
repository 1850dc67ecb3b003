package monitor

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// gather is flow Gather of testdata/golden/groups.txtar: subflows in a
// group, a member (Web) in two groups, a subflow (Quick) both in a group
// and on its own, and a loop back from it.
func gather() *runtime.Graph {
	deep := &runtime.Graph{Flow: "Deep", Members: []runtime.GraphMember{{Name: "Lookup", Kind: "node", Actions: []string{"more", "enough"}, Next: []string{"Lookup", ""}}}}
	quick := &runtime.Graph{Flow: "Quick", Members: []runtime.GraphMember{{Name: "Lookup", Kind: "node", Actions: []string{"more", "enough"}, Next: []string{"", ""}}}}
	return &runtime.Graph{Flow: "Gather", Members: []runtime.GraphMember{
		{Name: "Plan", Kind: "node", Actions: []string{"search", "direct"}, Next: []string{"Web+Docs+Deep+Quick", "Write"}},
		{Name: "Web", Kind: "node"},
		{Name: "Docs", Kind: "node"},
		{Name: "Deep", Kind: "subflow", Actions: []string{"enough"}, Graph: deep},
		{Name: "Quick", Kind: "subflow", Actions: []string{"more", "enough"}, Next: []string{"Write", "Write"}, Graph: quick},
		{Name: "Write", Kind: "node", Actions: []string{"done", "again"}, Next: []string{"Summarize+Web", "Quick"}},
		{Name: "Summarize", Kind: "node"},
		{Name: "Web+Docs+Deep+Quick", Kind: "group", Next: []string{"Write"}, Members: []string{"Web", "Docs", "Deep", "Quick"}},
		{Name: "Summarize+Web", Kind: "group", Next: []string{""}, Members: []string{"Summarize", "Web"}},
	}}
}

func gatherSteps() []runlog.Step {
	t0 := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	st := func(n int, flow, node, action string) runlog.Step {
		return runlog.Step{Step: n, Flow: flow, Node: node, Action: action, Status: runlog.StatusDone,
			Started: t0.Add(time.Duration(n) * time.Millisecond), Elapsed: time.Millisecond, Attempts: 1}
	}
	// The group's members interleave: Deep's two steps around Docs and
	// Quick's one.
	return []runlog.Step{
		st(1, "Gather", "Plan", "search"),
		st(2, "Gather", "Web", ""), st(3, "Deep", "Lookup", "more"), st(4, "Gather", "Docs", ""), st(5, "Quick", "Lookup", "enough"), st(6, "Deep", "Lookup", "enough"),
		st(7, "Gather", "Write", "again"),
		st(8, "Quick", "Lookup", "more"),
		st(9, "Gather", "Write", "done"),
		st(10, "Gather", "Summarize", ""), st(11, "Gather", "Web", ""),
	}
}

func TestPath(t *testing.T) {
	m := newFlowModel(gather())
	p := m.path(gatherSteps())
	g1, g2 := "Web+Docs+Deep+Quick", "Summarize+Web"
	if want := []string{"", g1, g1, g1, g1, g1, "", "", "", g2, g2}; fmt.Sprint(p.group) != fmt.Sprint(want) {
		t.Errorf("groups %q, want %q", p.group, want)
	}
	want := map[edgeKey]int{{"Plan", 0}: 1, {g1, -1}: 1, {"Write", 1}: 1, {"Quick", 0}: 1, {"Write", 0}: 1}
	if fmt.Sprint(p.edges) != fmt.Sprint(want) {
		t.Errorf("edges %v, want %v", p.edges, want)
	}
	for k, want := range map[string]string{
		"Plan": "1 1", "Write": "2 2", "Quick": "1 1", g1: "1 5", g2: "1 2",
	} {
		if u := p.units[k]; u == nil || fmt.Sprintf("%d %d", u.visits, u.steps) != want {
			t.Errorf("%s: %+v, want visits and steps %s", k, u, want)
		}
	}
	if u := p.inner[[2]string{g1, "Deep"}]; u == nil || u.visits != 1 || u.steps != 2 {
		t.Errorf("Deep in %s: %+v", g1, u)
	}
	if u := p.inner[[2]string{g2, "Web"}]; u == nil || u.visits != 1 || u.steps != 1 {
		t.Errorf("Web in %s: %+v", g2, u)
	}
	if !p.lastKnown || p.lastTo != "" || p.at != "" {
		t.Errorf("the end: %+v", p)
	}

	// A run in progress is at where its last step leads.
	p = m.path(gatherSteps()[:7])
	if p.at != "Quick" {
		t.Errorf("after Write again: at %q, want Quick", p.at)
	}
	p = m.path(gatherSteps()[:3])
	if p.at != g1 {
		t.Errorf("in the group: at %q, want %s", p.at, g1)
	}
	if p := m.path(nil); p.at != "Plan" {
		t.Errorf("before the first step: at %q", p.at)
	}
}

func TestLayout(t *testing.T) {
	m := newFlowModel(gather())
	steps := gatherSteps()[:7]
	v := layoutGraph(m, m.path(steps), runlog.StatusRunning)
	var got []string
	for _, b := range v.Boxes {
		got = append(got, fmt.Sprintf("%d:%s:%s", b.layer, b.Name, b.Class))
	}
	// Write is after the group that leads to it, not beside it; the loop
	// back from Quick does not move it; each end is after what it ends.
	want := "0:Plan:taken start 1:Web+Docs+Deep+Quick:taken 2:Write:taken 3:Summarize+Web: 3:Quick:current 4:end:"
	if strings.Join(got, " ") != want {
		t.Errorf("boxes\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	for _, a := range v.Arrows {
		switch {
		case a.from.Name == "Quick" && a.to.Name == "Write":
			if !a.back || !strings.Contains(a.D, "C") || a.Labels[0].Text != "more" || a.Labels[1].Text != "enough" {
				t.Errorf("Quick → Write: %+v", a)
			}
		case a.from.Name == "Plan" && a.to.Name == "Write":
			if len(a.via) != 1 || a.via[0].layer != 1 || strings.Count(a.D, "C") != 2 || a.Taken {
				t.Errorf("Plan → Write: %+v", a)
			}
		}
		for _, b := range v.Boxes {
			if b == a.from || b == a.to || a.back {
				continue
			}
			// No arrow but those back passes through a box: its points
			// are in the space between the boxes of their columns.
			for _, p := range a.via {
				if p.X < b.X+b.W && b.X < p.X+p.W && p.Y < b.Y+b.H && b.Y < p.Y+p.H {
					t.Errorf("%s → %s passes through %s", a.From, a.To, b.Name)
				}
			}
		}
	}
	for _, b := range v.Boxes {
		for _, c := range v.Boxes {
			if b != c && b.X < c.X+c.W && c.X < b.X+b.W && b.Y < c.Y+c.H && c.Y < b.Y+b.H {
				t.Errorf("%s overlaps %s", b.Name, c.Name)
			}
		}
		if b.X < 0 || b.Y < 0 || b.X+b.W > v.Width || b.Y+b.H > v.Height {
			t.Errorf("%s (%d,%d %dx%d) is outside %dx%d", b.Name, b.X, b.Y, b.W, b.H, v.Width, v.Height)
		}
		switch b.Name {
		case "Quick":
			if b.Kind != "subflow" || b.Kind2 != "subflow" || b.Sub != "" {
				t.Errorf("Quick: %+v", b)
			}
		case "Web+Docs+Deep+Quick":
			var inner []string
			for _, in := range b.Inner {
				inner = append(inner, in.Name+":"+in.Kind+":"+in.Sub)
			}
			if want := "Web:member:1× · 1ms Docs:member:1× · 1ms Deep:subflow:1× · 2ms Quick:subflow:1× · 1ms"; strings.Join(inner, " ") != want {
				t.Errorf("the group's members: %s, want %s", strings.Join(inner, " "), want)
			}
		}
	}
}

// TestLayoutEmpty: a graph without members draws nothing, and steps the
// graph does not know are passed by.
func TestLayoutEmpty(t *testing.T) {
	m := newFlowModel(&runtime.Graph{Flow: "F"})
	v := layoutGraph(m, m.path([]runlog.Step{{Step: 1, Flow: "F", Node: "Gone"}}), runlog.StatusDone)
	if len(v.Boxes) != 0 || v.Start != nil {
		t.Errorf("%+v", v)
	}
}
