// Package graph draws the flows of a checked .pico file as Mermaid or
// Graphviz DOT diagrams: every node, labelled edge, `*` edge (with the actions
// it covers), `end`, subflows as nested subgraphs, and parallel groups as a
// box labelled parallel that holds a fork, the members and a join (small
// circles in Mermaid, bars in DOT): the edges into a group go to its fork,
// the fork to each member, each member (each outcome of a subflow) to the
// join, and the join to the group's exit. A member is drawn once for each
// group it runs in and once more if the flow also uses it plainly, since its
// own routes are taken only there.
package graph

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/digital-duck/picoflow-go/dsl"
)

// Format is a diagram language.
type Format string

const (
	Mermaid Format = "mermaid"
	DOT     Format = "dot"
)

// Draw returns the diagram of flow name of m, or, when name is "", of every
// flow that no other flow uses as a node.
func Draw(m *dsl.Model, format Format, name string) (string, error) {
	var flows []*dsl.Flow
	for _, fl := range m.Flows {
		if (name == "" && !fl.Subflow) || fl.Name == name {
			flows = append(flows, fl)
		}
	}
	if len(flows) == 0 {
		var names []string
		for _, fl := range m.Flows {
			names = append(names, fl.Name)
		}
		if name != "" {
			return "", fmt.Errorf("%s has no flow %q (flows: %s)", m.Filename, name, strings.Join(names, ", "))
		}
		return "", fmt.Errorf("%s has no flow to draw", m.Filename)
	}
	var w writer
	switch format {
	case Mermaid:
		w = &mermaid{}
	case DOT:
		w = &dot{}
	default:
		return "", fmt.Errorf("unknown format %q: use mermaid or dot", format)
	}
	d := &drawer{w: w}
	w.begin()
	for _, fl := range flows {
		// Several flows each get a box; a single one needs none.
		if len(flows) > 1 {
			w.group(d.id(fl.Name+"_flow"), fl.Name)
		}
		d.flow(fl, fl.Name+"_", true)
		if len(flows) > 1 {
			w.endGroup()
		}
	}
	return w.text(), nil
}

// drawer walks flows and subflows and tells a writer what to draw.
type drawer struct {
	w   writer
	ids map[string]bool // every id drawn so far
}

// id returns want, or want with a number appended when a node or group of
// the diagram already has that id: a node called A_B beside a subflow A
// with a node B must not become one node.
func (d *drawer) id(want string) string {
	if d.ids == nil {
		d.ids = map[string]bool{}
	}
	id := want
	for i := 2; d.ids[id]; i++ {
		id = want + "_" + strconv.Itoa(i)
	}
	d.ids[id] = true
	return id
}

// flow draws fl with ids prefixed by prefix and returns the id of the node
// the flow starts at and, per outcome, the id of the node that stands for
// leaving the flow with it.
//
// A parallel group is drawn as a box of its own: a fork, which the edges
// into the group lead to, an edge from it to each member, and an edge from
// each member (from each outcome of a subflow) to a join, which leads to
// the group's exit. A member is drawn again in each group it runs in, apart
// from where the flow uses it plainly: there its own routes are not taken.
func (d *drawer) flow(fl *dsl.Flow, prefix string, top bool) (entry string, outcomes map[string]string) {
	entries := map[*dsl.Member]string{} // a group's is its fork
	exits := map[*dsl.Member]map[string]string{}
	for _, m := range fl.Members {
		if !m.GroupOnly {
			entries[m], exits[m] = d.member(m, d.id(prefix+m.Name()), false)
		}
	}
	joins := map[*dsl.Member]string{}
	for i, grp := range groups(fl) {
		id := d.id(prefix + "group" + strconv.Itoa(i+1))
		d.w.group(id, "parallel")
		fork, join := d.id(id+"_fork"), d.id(id+"_join")
		d.w.fork(fork)
		var ends []string
		for _, m := range grp.Group {
			in, outs := d.member(m, d.id(id+"_"+m.Name()), true)
			d.w.edge(fork, in, "")
			if m.Flow == nil {
				ends = append(ends, in)
			}
			for _, a := range m.Actions() {
				if out, ok := outs[a.Name]; ok {
					ends = append(ends, out)
				}
			}
		}
		d.w.join(join)
		for _, from := range ends {
			d.w.edge(from, join, "")
		}
		d.w.endGroup()
		entries[grp], joins[grp] = fork, join
	}

	outcomes = map[string]string{}
	end := func(label string) string {
		if top {
			if _, ok := outcomes[""]; !ok {
				outcomes[""] = d.id(prefix + "end")
				d.w.finish(outcomes[""])
			}
			return outcomes[""]
		}
		if _, ok := outcomes[label]; !ok {
			outcomes[label] = d.id(prefix + "out_" + label)
			d.w.outcome(outcomes[label], label)
		}
		return outcomes[label]
	}
	if top {
		d.w.start(d.id(prefix+"start"), entries[fl.Start])
	}
	// A group's exit follows the first edge into the group, and the exit of
	// a group it goes to follows it in turn: the diagram reads as the .pico.
	left := map[*dsl.Member]bool{}
	leave := func(grp *dsl.Member) {
		for ; grp != nil && grp.Group != nil && !left[grp]; grp = grp.Exit {
			left[grp] = true
			if grp.Exit == nil {
				d.w.edge(joins[grp], end(""), "")
			} else {
				d.w.edge(joins[grp], entries[grp.Exit], "")
			}
		}
	}
	for _, e := range fl.Edges {
		covered := coveredBy(e)
		switch {
		case e.From.Flow != nil:
			// A subflow leaves through one outcome node per action.
			labels := []string{e.Label}
			if e.Wildcard() {
				labels = covered
			}
			for _, l := range labels {
				d.w.edge(exits[e.From][l], d.target(e, l, entries, end), "")
			}
		case e.To == nil && !top && e.Wildcard():
			for _, l := range covered {
				d.w.edge(entries[e.From], end(l), l)
			}
		default:
			label := e.Label
			if e.Wildcard() {
				label = "* (" + strings.Join(covered, ", ") + ")"
			}
			d.w.edge(entries[e.From], d.target(e, e.Label, entries, end), label)
		}
		leave(e.To)
	}
	for _, grp := range fl.Groups {
		leave(grp) // a group only another group's exit leads to
	}
	return entries[fl.Start], outcomes
}

// groups lists the parallel groups of fl in the order the diagram reaches
// them: the first edge into each, then the groups its exits chain to.
func groups(fl *dsl.Flow) []*dsl.Member {
	var out []*dsl.Member
	seen := map[*dsl.Member]bool{}
	for _, e := range fl.Edges {
		for grp := e.To; grp != nil && grp.Group != nil && !seen[grp]; grp = grp.Exit {
			seen[grp] = true
			out = append(out, grp)
		}
	}
	for _, grp := range fl.Groups {
		if !seen[grp] {
			out = append(out, grp) // not reached by an edge: never so in a checked flow
		}
	}
	return out
}

// member draws node or subflow m with id id and returns the id its
// incoming edges lead to and, for a subflow, the id of each outcome. A
// terminal node in a parallel group does not look final: the group goes on
// after it.
func (d *drawer) member(m *dsl.Member, id string, inGroup bool) (entry string, outcomes map[string]string) {
	if m.Flow == nil {
		d.w.node(id, m.Name(), m.Node.Terminal() && !inGroup, m.Node.Await != nil)
		return id, nil
	}
	d.w.group(id, m.Name())
	entry, outcomes = d.flow(m.Flow, id+"_", false)
	d.w.endGroup()
	return entry, outcomes
}

// target is the id an edge leads to for action label.
func (d *drawer) target(e *dsl.Edge, label string, entries map[*dsl.Member]string, end func(string) string) string {
	if e.To != nil {
		return entries[e.To]
	}
	return end(label)
}

// coveredBy lists the actions a `*` edge routes.
func coveredBy(e *dsl.Edge) []string {
	var out []string
	for _, r := range e.From.Routes {
		if r.Edge == e {
			out = append(out, r.Action.Name)
		}
	}
	return out
}

// writer is one diagram language.
type writer interface {
	begin()
	start(id, to string)                         // the flow's entry, with an edge to its start node
	node(id, label string, terminal, await bool) // a node; a terminal one looks final, an await one waits
	finish(id string)                            // the flow's end
	outcome(id, label string)                    // a subflow's exit with one outcome
	fork(id string)                              // where a parallel group's members begin, together
	join(id string)                              // where they have all finished and the group goes on
	edge(from, to, label string)
	group(id, label string) // a subflow, a parallel group or, with several flows, a flow
	endGroup()
	text() string
}

// mermaid writes a Mermaid flowchart.
type mermaid struct {
	b     strings.Builder
	depth int
}

func (m *mermaid) line(format string, args ...any) {
	m.b.WriteString(strings.Repeat("    ", m.depth+1))
	fmt.Fprintf(&m.b, format, args...)
	m.b.WriteByte('\n')
}

// mq quotes a Mermaid label; Mermaid has no escape for ", so it becomes '.
func mq(s string) string { return `"` + strings.ReplaceAll(s, `"`, "'") + `"` }

func (m *mermaid) begin()              { m.b.WriteString("flowchart TD\n") }
func (m *mermaid) start(id, to string) { m.line("%s((start)) --> %s", id, to) }
func (m *mermaid) node(id, label string, terminal, await bool) {
	switch {
	case await:
		m.line("%s{{%s}}", id, mq(label+" ⏸"))
	case terminal:
		m.line("%s([%s])", id, mq(label))
	default:
		m.line("%s[%s]", id, mq(label))
	}
}
func (m *mermaid) finish(id string)         { m.line("%s(((end)))", id) }
func (m *mermaid) outcome(id, label string) { m.line("%s((%s))", id, mq(label)) }
func (m *mermaid) fork(id string)           { m.line("%s(( ))", id) }
func (m *mermaid) join(id string)           { m.line("%s(( ))", id) }
func (m *mermaid) edge(from, to, label string) {
	if label == "" {
		m.line("%s --> %s", from, to)
	} else {
		m.line("%s -->|%s| %s", from, mq(label), to)
	}
}
func (m *mermaid) group(id, label string) {
	m.line("subgraph %s [%s]", id, mq(label))
	m.depth++
}
func (m *mermaid) endGroup() {
	m.depth--
	m.line("end")
}
func (m *mermaid) text() string { return m.b.String() }

// dot writes a Graphviz digraph; subflows are clusters.
type dot struct {
	b     strings.Builder
	depth int
}

func (d *dot) line(format string, args ...any) {
	d.b.WriteString(strings.Repeat("    ", d.depth+1))
	fmt.Fprintf(&d.b, format, args...)
	d.b.WriteByte('\n')
}

// dq quotes a DOT id or label.
func dq(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func (d *dot) begin() {
	d.b.WriteString("digraph picoflow {\n")
	d.line("rankdir=TB;")
	d.line("node [shape=box, style=rounded];")
}
func (d *dot) start(id, to string) {
	d.line("%s [shape=point, width=0.15];", dq(id))
	d.line("%s -> %s;", dq(id), dq(to))
}
func (d *dot) node(id, label string, terminal, await bool) {
	switch {
	case await:
		// Waits for an answer from outside the run.
		d.line("%s [label=%s, shape=hexagon, style=dashed];", dq(id), dq(label+" ⏸"))
	case terminal:
		d.line("%s [label=%s, peripheries=2];", dq(id), dq(label))
	default:
		d.line("%s [label=%s];", dq(id), dq(label))
	}
}
func (d *dot) finish(id string) { d.line("%s [label=\"end\", shape=doublecircle];", dq(id)) }
func (d *dot) outcome(id, label string) {
	d.line("%s [label=%s, shape=oval, style=dashed];", dq(id), dq(label))
}

// fork and join are the bars of a UML activity diagram.
func (d *dot) fork(id string) { d.bar(id) }
func (d *dot) join(id string) { d.bar(id) }
func (d *dot) bar(id string) {
	d.line("%s [label=\"\", shape=box, style=filled, fillcolor=black, width=1, height=0.06, fixedsize=true];", dq(id))
}
func (d *dot) edge(from, to, label string) {
	if label == "" {
		d.line("%s -> %s;", dq(from), dq(to))
	} else {
		d.line("%s -> %s [label=%s];", dq(from), dq(to), dq(label))
	}
}
func (d *dot) group(id, label string) {
	d.line("subgraph %s {", dq("cluster_"+id))
	d.depth++
	d.line("label=%s;", dq(label))
}
func (d *dot) endGroup() {
	d.depth--
	d.line("}")
}
func (d *dot) text() string { return d.b.String() + "}\n" }
