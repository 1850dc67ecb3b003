package dsl

import (
	"fmt"
	"slices"
	"strings"
)

// flowItems reads a flow's start, max_steps and edges. Members are created
// in order of first appearance, start first, which is the field order of the
// generated flow struct.
func (c *checker) flowItems(fl *Flow, fd *astFlow) {
	c.members[fl] = map[string]*Member{}
	var startPos, maxPos *Pos
	unknown := false // a misspelled `start` must not also count as missing
	for _, it := range fd.Items {
		p := c.src.pos(it.Pos)
		switch {
		case it.Start != nil:
			if startPos != nil {
				c.errorf(p, "duplicate start, first defined at %s", *startPos)
				continue
			}
			startPos = &p
			if it.Start.Value == "end" {
				c.errorf(c.src.pos(it.Start.Pos), "a flow cannot start at end")
				continue
			}
			fl.Start = c.member(fl, it.Start)
			c.plain[fl.Start] = true
		case it.Unknown != nil:
			unknown = true
			c.unknownFlowItem(it.Unknown)
			// The line was probably an edge: checks that need every edge
			// would only repeat the error.
			c.markBroken(fl, nil, "*")
		case it.MaxSteps != nil:
			if maxPos != nil {
				c.errorf(p, "duplicate max_steps, first defined at %s", *maxPos)
				continue
			}
			maxPos = &p
			fl.MaxSteps = c.count(it.MaxSteps, "max_steps", 0, 0)
		}
	}
	if startPos == nil && !unknown {
		c.errorf(fl.Pos, "flow %s has no start: add `start NODE`", fl.Name)
	}
	for _, it := range fd.Items {
		if it.Chain == nil {
			continue
		}
		from := it.Chain.From
		for _, link := range it.Chain.Links {
			c.edge(fl, from, link)
			from = link.To.last()
		}
	}
}

// unknownFlowItem explains a flow line that is not start, max_steps or an
// edge: a node name without `then` after it, or a misspelled keyword.
func (c *checker) unknownFlowItem(n *astName) {
	p := c.src.pos(n.Pos)
	if c.nodes[n.Value] != nil || c.flows[n.Value] != nil || n.Value == "end" {
		c.errorf(p, "expected then after %s: an edge is `%s then ACTION -> TARGET`", n.Value, n.Value)
		return
	}
	c.errorf(p, "unknown flow statement %q (a flow holds start, max_steps and edges)%s", n.Value,
		suggest(n.Value, append([]string{"start", "max_steps"}, c.unitNames()...)))
}

// edge adds one `from then action -> to` link to fl, if its names resolve.
func (c *checker) edge(fl *Flow, from *astName, link *astLink) {
	e := &Edge{Pos: c.src.pos(from.Pos), Label: link.Action.Value, LabelPos: c.src.pos(link.Action.Pos), ToPos: c.targetPos(link.To)}
	ok := true
	if from.Value == "end" {
		c.errorf(e.Pos, "an edge cannot start at end: the flow has finished there")
		ok = false
	} else if e.From = c.member(fl, from); e.From == nil {
		ok = false
	} else {
		c.plain[e.From] = true
	}
	var resolved bool
	if e.To, resolved = c.target(fl, link.To); !resolved {
		ok = false
	}
	if reserved[e.Label] {
		c.errorf(e.LabelPos, "%s is a keyword and cannot be an action name", e.Label)
		ok = false
	}
	if ok {
		fl.Edges = append(fl.Edges, e)
	} else if e.From != nil {
		// The source is known but the edge is not: its label still counts
		// as routed, so the misspelling is the only error reported.
		c.markBroken(fl, e.From, e.Label)
	}
}

func (c *checker) targetPos(t *astTarget) Pos {
	if t.Group != nil {
		return c.src.pos(t.Group.Pos)
	}
	return c.src.pos(t.Name.Pos)
}

// target resolves where an edge or a group's exit goes: a member, or nil
// for end. ok is false when the target was reported as wrong.
func (c *checker) target(fl *Flow, t *astTarget) (m *Member, ok bool) {
	switch {
	case t.Group != nil:
		m = c.group(fl, t.Group)
		return m, m != nil
	case t.Name.Value == "end":
		return nil, true
	}
	if m = c.member(fl, t.Name); m != nil {
		c.plain[m] = true
	}
	return m, m != nil
}

// group resolves a parallel group and its exit. The same members in the
// same order are one group of the flow, which has one exit.
func (c *checker) group(fl *Flow, g *astGroup) *Member {
	p := c.src.pos(g.Pos)
	ok := true
	var members []*Member
	var positions []Pos
	seen := map[string]Pos{}
	for _, n := range g.Members {
		np := c.src.pos(n.Pos)
		if first, dup := seen[n.Value]; dup {
			c.errorf(np, "%s is already a member of this group, at %s: each member runs once", n.Value, first)
			ok = false
			continue
		}
		seen[n.Value] = np
		switch {
		case n.Value == "end":
			c.errorf(np, "end cannot be a member of a parallel group: the group's exit may go to end")
			ok = false
			continue
		case n.Value == fl.Name:
			c.errorf(np, "flow %s cannot be a member of its own parallel group", fl.Name)
			ok = false
			continue
		}
		m := c.member(fl, n)
		if m == nil {
			ok = false
			continue
		}
		members = append(members, m)
		positions = append(positions, np)
	}
	if len(g.Members) < 2 {
		what := "no members"
		if len(g.Members) == 1 {
			what = "one member: write `-> " + g.Members[0].Value + "`"
		}
		c.errorf(p, "a parallel group needs at least two members, this one has %s", what)
		ok = false
	}
	exit, exitOK := c.target(fl, g.Exit)
	if !ok || !exitOK {
		return nil
	}
	gm := &Member{Group: members, Exit: exit}
	name := gm.Name()
	if c.groups[fl] == nil {
		c.groups[fl] = map[string]*Member{}
	}
	if first, dup := c.groups[fl][name]; dup {
		if first.Exit != exit {
			c.errorf(c.targetPos(g.Exit), "group %s already goes to %s at %s: a group has a single exit", name, first.ExitName(), c.exitPos[first])
			return nil
		}
		return first
	}
	c.groups[fl][name] = gm
	c.memberPos[gm] = p
	c.exitPos[gm] = c.targetPos(g.Exit)
	c.groupPos[gm] = positions
	fl.Groups = append(fl.Groups, gm)
	return gm
}

// groupMembers checks what only the members' actions tell: a group's
// members are terminal nodes or subflows, none of which waits for an
// answer (a group runs its members to completion at once, and a resumed
// run begins a group again).
func (c *checker) groupMembers(fl *Flow) {
	for _, g := range fl.Groups {
		for i, m := range g.Group {
			p := c.groupPos[g][i]
			switch {
			case m.Flow != nil:
				if aw := awaits(m.Flow, map[*Flow]bool{}); len(aw) > 0 && !c.cyclic[m.Flow] {
					c.errorf(p, "flow %s waits for an answer at node %s: it cannot run in parallel group %s, whose members run to completion together", m.Flow.Name, aw[0].Name, g.Name())
				}
			case m.Node.Await != nil:
				c.errorf(p, "node %s waits for an answer (await): it cannot run in parallel group %s, whose members run to completion together", m.Node.Name, g.Name())
			case !m.Node.Terminal():
				c.errorf(p, "node %s has actions%s: a member of parallel group %s must be a terminal node or a subflow, as the group has a single exit", m.Node.Name, listed("actions", m.Node.Actions), g.Name())
			}
		}
		if fl.Subflow && g.Exit == nil {
			c.errorf(c.exitPos[g], "flow %s is used as a node, so it finishes through edges into end with an action, but group %s goes to end without one", fl.Name, g.Name())
		}
	}
}

// markBroken records that an edge of m labelled label was reported as wrong,
// so that checks which depend on it (routing, reachability) stay quiet
// rather than repeat the error in other words. The label "*" stands for
// every action of m.
func (c *checker) markBroken(fl *Flow, m *Member, label string) {
	if c.broken[fl] == nil {
		c.broken[fl] = map[*Member]map[string]bool{}
	}
	if c.broken[fl][m] == nil {
		c.broken[fl][m] = map[string]bool{}
	}
	c.broken[fl][m][label] = true
}

// member resolves a node or flow name used in fl, creating its Member on
// first use.
func (c *checker) member(fl *Flow, n *astName) *Member {
	if m, ok := c.members[fl][n.Value]; ok {
		return m
	}
	m := &Member{Node: c.nodes[n.Value], Flow: c.flows[n.Value]}
	switch {
	case m.Node != nil || m.Flow != nil:
	case c.m.Store != nil && n.Value == c.m.Store.Name:
		c.errorf(c.src.pos(n.Pos), "%s is the store, not a node", n.Value)
		return nil
	default:
		c.errorf(c.src.pos(n.Pos), "unknown node %q%s", n.Value, suggest(n.Value, append(c.unitNames(), "end")))
		return nil
	}
	c.members[fl][n.Value] = m
	c.memberPos[m] = c.src.pos(n.Pos)
	c.firstUse[n.Value] = true
	fl.Members = append(fl.Members, m)
	return m
}

func (c *checker) unitNames() []string {
	var names []string
	for _, n := range c.m.Nodes {
		names = append(names, n.Name)
	}
	for _, f := range c.m.Flows {
		names = append(names, f.Name)
	}
	return names
}

// nodeActions gives each node without an `actions` list the labels of its
// outgoing edges across all flows, in order of first appearance.
func (c *checker) nodeActions() {
	for _, fl := range c.m.Flows {
		for _, e := range fl.Edges {
			n := e.From.Node
			if n == nil || c.declared[n] || e.Wildcard() || hasAction(n.Actions, e.Label) {
				continue
			}
			if a := c.action(n.Name, e.Label, e.LabelPos); a != nil {
				n.Actions = append(n.Actions, a)
			}
		}
	}
}

func hasAction(actions []*Action, name string) bool {
	return findAction(actions, name) != nil
}

func findAction(actions []*Action, name string) *Action {
	for _, a := range actions {
		if a.Name == name {
			return a
		}
	}
	return nil
}

func actionNames(actions []*Action) []string {
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = a.Name
	}
	return names
}

// subflowOrder marks flows used by other flows, reports subflow cycles, and
// returns the acyclic flows with every subflow before the flows that use it,
// so that a subflow's outcomes are known before its parent is routed.
func (c *checker) subflowOrder() []*Flow {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[*Flow]int{}
	var order []*Flow
	var stack []*Flow
	var visit func(fl *Flow)
	visit = func(fl *Flow) {
		state[fl] = visiting
		stack = append(stack, fl)
		for _, m := range fl.Members {
			sub := m.Flow
			if sub == nil {
				continue
			}
			sub.Subflow = true
			switch state[sub] {
			case visiting:
				i := slices.Index(stack, sub)
				names := make([]string, 0, len(stack)-i+1)
				for _, f := range stack[i:] {
					names = append(names, f.Name)
					c.cyclic[f] = true
				}
				names = append(names, sub.Name)
				c.errorf(c.memberPos[m], "subflow cycle: %s", strings.Join(names, " uses "))
			case unvisited:
				visit(sub)
				if c.cyclic[sub] && slices.Contains(stack, sub) {
					c.cyclic[fl] = true
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[fl] = done
		if !c.cyclic[fl] {
			order = append(order, fl)
		}
	}
	for _, fl := range c.m.Flows {
		if state[fl] == unvisited {
			visit(fl)
		}
	}
	return order
}

// outcomes collects the labels of fl's edges into end: the actions fl has
// when another flow uses it as a node. A `*` edge into end contributes each
// action it covers.
func (c *checker) outcomes(fl *Flow) {
	add := func(label string, p Pos) {
		if hasAction(fl.Outcomes, label) {
			return
		}
		if a := c.action(fl.Name, label, p); a != nil {
			fl.Outcomes = append(fl.Outcomes, a)
		}
	}
	for _, e := range fl.Edges {
		if e.To != nil || (e.From.Flow != nil && c.cyclic[e.From.Flow]) {
			continue
		}
		if !e.Wildcard() {
			add(e.Label, e.LabelPos)
			continue
		}
		for _, a := range e.From.Actions() {
			if !c.routedExplicitly(fl, e.From, a.Name) {
				add(a.Name, e.LabelPos)
			}
		}
	}
}

func (c *checker) routedExplicitly(fl *Flow, m *Member, label string) bool {
	for _, e := range fl.Edges {
		if e.From == m && e.Label == label {
			return true
		}
	}
	return false
}

// routes resolves where fl goes after each action of each member, and checks
// that every action is routed exactly once and every member is reachable.
func (c *checker) routes(fl *Flow) {
	explicit := map[*Member]map[string]*Edge{}
	wildcard := map[*Member]*Edge{}
	for _, e := range fl.Edges {
		m := e.From
		if m.Flow != nil && c.cyclic[m.Flow] {
			continue
		}
		if e.Wildcard() {
			if first, ok := wildcard[m]; ok {
				c.errorf(e.LabelPos, "duplicate edge %s then *, first defined at %s", m.Name(), first.LabelPos)
				c.markBroken(fl, m, "")
				continue
			}
			wildcard[m] = e
			continue
		}
		if !c.labelValid(m, e) {
			// The label was probably meant as one of m's actions.
			c.markBroken(fl, m, "*")
			continue
		}
		if explicit[m] == nil {
			explicit[m] = map[string]*Edge{}
		}
		if first, ok := explicit[m][e.Label]; ok {
			c.errorf(e.LabelPos, "duplicate edge %s then %s, first defined at %s", m.Name(), e.Label, first.LabelPos)
			c.markBroken(fl, m, e.Label)
			continue
		}
		explicit[m][e.Label] = e
	}

	for _, m := range fl.Members {
		// A member used only in groups has no routes: its group goes on.
		m.GroupOnly = !c.plain[m]
		if m.Flow != nil && c.cyclic[m.Flow] || m.GroupOnly {
			continue
		}
		w := wildcard[m]
		broken := c.broken[fl][m]
		covered := broken["*"]
		for _, a := range m.Actions() {
			e, ok := explicit[m][a.Name]
			if !ok && w != nil {
				e, ok, covered = w, true, true
			}
			if !ok && (broken[a.Name] || broken["*"] || c.broken[fl][nil]["*"]) {
				continue
			}
			if !ok {
				c.errorf(c.memberPos[m], "action %q of %s is not routed in flow %s: add `%s then %s -> ...` or `%s then * -> ...`",
					a.Name, m.Name(), fl.Name, m.Name(), a.Name, m.Name())
				continue
			}
			m.Routes = append(m.Routes, &Route{Action: a, Target: e.To, Edge: e})
		}
		if w != nil && !covered {
			c.errorf(w.LabelPos, "%s then * matches no action: every action of %s is routed above", m.Name(), m.Name())
		}
	}

	// A flow whose only way to end is a group into end is told so by
	// groupMembers.
	if fl.Subflow && len(fl.Outcomes) == 0 && !slices.ContainsFunc(fl.Groups, func(g *Member) bool { return g.Exit == nil }) {
		c.errorf(fl.Pos, "flow %s is used as a node but has no edge into end, so it has no outcomes", fl.Name)
	} else if fl.Subflow {
		for _, m := range fl.Members {
			if m.Node != nil && m.Node.Terminal() && c.plain[m] {
				c.errorf(c.memberPos[m], "flow %s is used as a node, so it must finish through end, but %s is a terminal node", fl.Name, m.Name())
			}
		}
	}
	c.groupMembers(fl)
	c.reachability(fl)
}

// labelValid reports whether e's label is an action of its source, and
// explains when it is not.
// listed is " (its actions: a, b)", or " (it has no actions)".
func listed(what string, actions []*Action) string {
	if len(actions) == 0 {
		return fmt.Sprintf(" (it has no %s)", what)
	}
	return fmt.Sprintf(" (its %s: %s)", what, strings.Join(actionNames(actions), ", "))
}

func (c *checker) labelValid(m *Member, e *Edge) bool {
	if hasAction(m.Actions(), e.Label) {
		return true
	}
	switch {
	case m.Flow != nil:
		c.errorf(e.LabelPos, "flow %s has no outcome %q%s%s", m.Flow.Name, e.Label, suggest(e.Label, actionNames(m.Flow.Outcomes)), listed("outcomes", m.Flow.Outcomes))
	case c.declared[m.Node]:
		c.errorf(e.LabelPos, "%s has no action %q%s%s", m.Node.Name, e.Label, suggest(e.Label, actionNames(m.Node.Actions)), listed("actions", m.Node.Actions))
	}
	// Any other label was reported where the action was made.
	return false
}

// reachability reports members that start never leads to, and warns about
// members from which the flow can never finish.
func (c *checker) reachability(fl *Flow) {
	if fl.Start == nil {
		return
	}
	// A group reaches its members, which do not route on (their group
	// does), and its exit: visited tells which members' routes were
	// followed.
	reached := map[*Member]bool{fl.Start: true}
	visited := map[*Member]bool{fl.Start: true}
	queue := []*Member{fl.Start}
	visit := func(m *Member) {
		reached[m] = true
		if m != nil && !visited[m] {
			visited[m] = true
			queue = append(queue, m)
		}
	}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		for _, r := range m.Routes {
			visit(r.Target)
		}
		for _, g := range m.Group {
			reached[g] = true
		}
		if m.Group != nil {
			visit(m.Exit)
		}
	}
	units := append(slices.Clip(fl.Members), fl.Groups...)
	for _, m := range units {
		// A member behind an edge that failed to resolve may well be reached
		// once it is fixed.
		if !reached[m] && c.broken[fl] == nil {
			c.errorf(c.memberPos[m], "%s is not reachable from %s, the start of flow %s", m.Name(), fl.Start.Name(), fl.Name)
		}
	}

	// A member can finish if it is terminal, routes into end, or routes to a
	// member that can: search backwards from the members that finish.
	finishes := map[*Member]bool{}
	into := map[*Member][]*Member{} // target -> members that route to it
	var back []*Member
	for _, m := range units {
		done := len(m.Actions()) == 0
		if m.Group != nil {
			done = m.Exit == nil
			if !done {
				into[m.Exit] = append(into[m.Exit], m)
			}
		}
		for _, r := range m.Routes {
			if r.Target == nil {
				done = true
			} else {
				into[r.Target] = append(into[r.Target], m)
			}
		}
		if done {
			finishes[m] = true
			back = append(back, m)
		}
	}
	for len(back) > 0 {
		m := back[0]
		back = back[1:]
		for _, from := range into[m] {
			if !finishes[from] {
				finishes[from] = true
				back = append(back, from)
			}
		}
	}
	for _, m := range units {
		// A member used only in groups is the group's to finish.
		if reached[m] && !finishes[m] && (c.plain[m] || m.Group != nil) {
			c.warnf(c.memberPos[m], "flow %s can never finish once it reaches %s: it loops until max_steps, an error or cancellation", fl.Name, m.Name())
		}
	}
}
