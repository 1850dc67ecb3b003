package monitor

import (
	"slices"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// flowModel indexes a flow's [runtime.Graph] for drawing it and for
// following a run through it.
type flowModel struct {
	g      *runtime.Graph
	byName map[string]*runtime.GraphMember
	// groupOnly are the members that run only in parallel groups: no
	// action leads to them and they are not the start, so they are drawn
	// inside their groups' boxes, not on their own.
	groupOnly map[string]bool
	groupsOf  map[string][]string // a member's groups, in the graph's order
	// owner is, for the flow of each subflow (and of its own subflows),
	// the member of g that runs it: the steps of a subflow name its flow.
	owner map[string]string
}

func newFlowModel(g *runtime.Graph) *flowModel {
	m := &flowModel{
		g:         g,
		byName:    map[string]*runtime.GraphMember{},
		groupOnly: map[string]bool{},
		groupsOf:  map[string][]string{},
		owner:     map[string]string{},
	}
	targets := map[string]bool{}
	for i := range g.Members {
		gm := &g.Members[i]
		if _, dup := m.byName[gm.Name]; !dup {
			m.byName[gm.Name] = gm
		}
		for _, n := range gm.Next {
			targets[n] = true
		}
		if gm.Kind == "group" {
			for _, x := range gm.Members {
				m.groupsOf[x] = append(m.groupsOf[x], gm.Name)
			}
		}
		if gm.Kind == "subflow" && gm.Graph != nil {
			m.own(gm.Graph, gm.Name, 0)
		}
	}
	for x := range m.groupsOf {
		if !targets[x] && x != m.start() {
			m.groupOnly[x] = true
		}
	}
	return m
}

// own records top as the member that runs the flow of sub and of its
// subflows (the first such member, should several run one flow).
func (m *flowModel) own(sub *runtime.Graph, top string, depth int) {
	if depth > 32 {
		return
	}
	if _, ok := m.owner[sub.Flow]; !ok && sub.Flow != m.g.Flow {
		m.owner[sub.Flow] = top
	}
	for _, sm := range sub.Members {
		if sm.Graph != nil {
			m.own(sm.Graph, top, depth+1)
		}
	}
}

// start is the flow's start member.
func (m *flowModel) start() string {
	if len(m.g.Members) == 0 {
		return ""
	}
	return m.g.Members[0].Name
}

// top is the member of the flow that step s ran in: its node, or the
// subflow whose steps it is one of ("" for a step the graph does not
// know).
func (m *flowModel) top(s runlog.Step) string {
	name := s.Node
	if s.Flow != m.g.Flow && s.Flow != "" {
		name = m.owner[s.Flow]
	}
	if m.byName[name] == nil {
		return ""
	}
	return name
}

// edgeKey names an edge of the graph: a member's action by its index, or,
// with action -1, a group's exit or a terminal node's end.
type edgeKey struct {
	from   string
	action int
}

// exit is the edge a visit of member gm that took action leaves by, and
// the member it leads to ("" for the end of the flow).
func exit(gm *runtime.GraphMember, action string) (edgeKey, string, bool) {
	switch {
	case gm.Kind == "group":
		if len(gm.Next) > 0 {
			return edgeKey{gm.Name, -1}, gm.Next[0], true
		}
	case len(gm.Actions) == 0 && gm.Kind == "node":
		return edgeKey{gm.Name, -1}, "", true
	default:
		if i := slices.Index(gm.Actions, action); i >= 0 && i < len(gm.Next) {
			return edgeKey{gm.Name, i}, gm.Next[i], true
		}
	}
	return edgeKey{}, "", false
}

// tally is what a run did in one box of the graph.
type tally struct {
	visits, steps    int
	elapsed          time.Duration
	failed, waiting  bool
	attempts, maxTry int
}

func (t *tally) add(s runlog.Step) {
	t.steps++
	t.elapsed += s.Elapsed
	t.attempts += s.Attempts
	t.maxTry = max(t.maxTry, s.Attempts)
	switch s.Status {
	case runlog.StatusFailed:
		t.failed = true
	case runlog.StatusWaiting:
		t.waiting = true
	}
}

// runPath is the way a run took through its flow, from its steps in
// order: each member's visits, the edges between consecutive visits, and
// for each step the parallel group it ran in.
type runPath struct {
	units map[string]*tally    // by member (a group's: its visits' wall time)
	inner map[[2]string]*tally // by group and member
	edges map[edgeKey]int      // the times each edge was taken
	group []string             // per step: its group, or ""
	// at is the member the run is in, or goes to next, after its last
	// step ("" at the end or when not known).
	at string
	// last is the last visit's member and exit, for the edge to the end
	// of a run that is done.
	last      string
	lastExit  edgeKey
	lastTo    string
	lastKnown bool
}

// visit is one entry of a run into a member.
type visit struct {
	gm     *runtime.GraphMember
	action string          // the action it took: a node's, a subflow's outcome
	open   bool            // it takes more steps: a subflow's, a group's
	done   map[string]bool // a group's members that have ended
	first  time.Time
	last   time.Time
}

// path follows steps through m.
func (m *flowModel) path(steps []runlog.Step) *runPath {
	p := &runPath{
		units: map[string]*tally{},
		inner: map[[2]string]*tally{},
		edges: map[edgeKey]int{},
		group: make([]string, len(steps)),
	}
	unit := func(name string) *tally {
		t := p.units[name]
		if t == nil {
			t = &tally{}
			p.units[name] = t
		}
		return t
	}
	var cur *visit
	expect := m.start()
	closeVisit := func() {
		if cur != nil && cur.gm.Kind == "group" {
			unit(cur.gm.Name).elapsed += cur.last.Sub(cur.first)
		}
	}
	for i, s := range steps {
		name := m.top(s)
		if name == "" {
			continue
		}
		gm := m.byName[name]
		end := s.Started.Add(s.Elapsed)
		if cur != nil && cur.open {
			switch {
			case cur.gm.Kind == "group" && slices.Contains(cur.gm.Members, name) && !cur.done[name]:
				p.group[i] = cur.gm.Name
				m.inGroup(p, cur, gm, s)
				cur.first, cur.last = minTime(cur.first, s.Started), maxTime(cur.last, end)
				u := unit(cur.gm.Name)
				u.steps++
				u.failed = u.failed || s.Status == runlog.StatusFailed
				u.waiting = u.waiting || s.Status == runlog.StatusWaiting
				continue
			case cur.gm.Kind == "subflow" && cur.gm == gm:
				unit(name).add(s)
				cur.action, cur.open = subflowEnd(gm, s, cur.action)
				continue
			}
		}
		// A new visit: of a group when the run goes to one that has the
		// member (or it runs only in groups), else of the member.
		closeVisit()
		g := m.byName[expect]
		if g == nil || g.Kind != "group" || !slices.Contains(g.Members, name) {
			g = nil
			if m.groupOnly[name] {
				g = m.byName[m.groupsOf[name][0]]
			}
		}
		next := &visit{gm: gm, first: s.Started, last: end}
		if g != nil {
			next.gm, next.open, next.done = g, true, map[string]bool{}
		}
		if cur != nil {
			p.link(cur, next)
		}
		cur = next
		unit(cur.gm.Name).visits++
		switch {
		case g != nil:
			p.group[i] = g.Name
			m.inGroup(p, cur, gm, s)
			u := unit(g.Name)
			u.steps++
			u.failed = u.failed || s.Status == runlog.StatusFailed
			u.waiting = u.waiting || s.Status == runlog.StatusWaiting
		case gm.Kind == "subflow":
			unit(name).add(s)
			cur.action, cur.open = subflowEnd(gm, s, "")
		default:
			unit(name).add(s)
			cur.action = s.Action
		}
		if _, to, ok := exit(cur.gm, cur.action); ok {
			expect = to
		} else {
			expect = ""
		}
	}
	closeVisit()
	if cur != nil {
		p.last = cur.gm.Name
		p.lastExit, p.lastTo, p.lastKnown = exit(cur.gm, cur.action)
		if cur.open {
			p.at = cur.gm.Name
		} else if p.lastKnown {
			p.at = p.lastTo
		}
	} else {
		p.at = m.start()
	}
	return p
}

// inGroup counts step s of member gm in group visit v.
func (m *flowModel) inGroup(p *runPath, v *visit, gm *runtime.GraphMember, s runlog.Step) {
	k := [2]string{v.gm.Name, gm.Name}
	t := p.inner[k]
	if t == nil {
		t = &tally{}
		p.inner[k] = t
	}
	if _, seen := v.done[gm.Name]; !seen {
		t.visits++
		v.done[gm.Name] = false
	}
	t.add(s)
	ended := true
	if gm.Kind == "subflow" {
		_, open := subflowEnd(gm, s, "")
		ended = !open
	}
	if ended || s.Status == runlog.StatusFailed {
		v.done[gm.Name] = true
	}
	for _, x := range v.gm.Members {
		if !v.done[x] {
			return
		}
	}
	v.open = false
}

// subflowEnd reports whether step s of subflow gm ended it, and its
// outcome: the action of a step of the subflow's own flow that leads to
// its end. A failed step ends it too.
func subflowEnd(gm *runtime.GraphMember, s runlog.Step, outcome string) (string, bool) {
	if s.Status == runlog.StatusFailed {
		return outcome, false
	}
	if gm.Graph == nil || s.Flow != gm.Graph.Flow {
		return outcome, true
	}
	for _, sm := range gm.Graph.Members {
		if sm.Name != s.Node {
			continue
		}
		if _, to, ok := exit(&sm, s.Action); ok && to == "" && sm.Kind != "group" {
			return s.Action, false
		}
		break
	}
	return outcome, true
}

// link counts the edge from visit v to visit w: v's exit, or, when that
// does not lead to w (a resumed run may jump), an edge that does.
func (p *runPath) link(v, w *visit) {
	if k, to, ok := exit(v.gm, v.action); ok && to == w.gm.Name {
		p.edges[k]++
		return
	}
	for i, n := range v.gm.Next {
		if n == w.gm.Name {
			if v.gm.Kind == "group" {
				i = -1
			}
			p.edges[edgeKey{v.gm.Name, i}]++
			return
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
