// Package graph draws the flows of a checked .pico file as Mermaid or
// Graphviz DOT diagrams: every node, labelled edge, `*` edge (with the actions
// it covers), `end`, and subflows as nested subgraphs.
package graph

import (
	"fmt"
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
			w.group(fl.Name+"_flow", fl.Name)
		}
		d.flow(fl, fl.Name+"_", true)
		if len(flows) > 1 {
			w.endGroup()
		}
	}
	return w.text(), nil
}

// drawer walks flows and subflows and tells a writer what to draw.
type drawer struct{ w writer }

// flow draws fl with ids prefixed by prefix and returns the id of the node
// the flow starts at and, per outcome, the id of the node that stands for
// leaving the flow with it.
func (d *drawer) flow(fl *dsl.Flow, prefix string, top bool) (entry string, outcomes map[string]string) {
	entries := map[*dsl.Member]string{}
	exits := map[*dsl.Member]map[string]string{}
	for _, m := range fl.Members {
		id := prefix + m.Name()
		if m.Flow == nil {
			d.w.node(id, m.Name(), m.Node.Terminal(), m.Node.Await != nil)
			entries[m] = id
			continue
		}
		d.w.group(id, m.Name())
		entries[m], exits[m] = d.flow(m.Flow, id+"_", false)
		d.w.endGroup()
	}

	outcomes = map[string]string{}
	end := func(label string) string {
		if top {
			id := prefix + "end"
			if _, ok := outcomes[""]; !ok {
				d.w.finish(id)
				outcomes[""] = id
			}
			return id
		}
		id := prefix + "out_" + label
		if _, ok := outcomes[label]; !ok {
			d.w.outcome(id, label)
			outcomes[label] = id
		}
		return id
	}
	if top {
		d.w.start(prefix+"start", entries[fl.Start])
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
	}
	return entries[fl.Start], outcomes
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
	edge(from, to, label string)
	group(id, label string) // a subflow or, with several flows, a flow
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
