package runtime

import "sync"

// Graph is the shape of a flow, from its member table: each member, the
// start first, with where each of its actions goes. Tools that draw runs
// (the run log's monitor) read it from [FlowEvent.Graph] at FlowStart, so
// that a run's page can show the whole flow and the path taken through it.
type Graph struct {
	Flow    string        `json:"flow"`
	Members []GraphMember `json:"members"`
}

// GraphMember is one member of a [Graph].
type GraphMember struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // "node", "subflow" or "group"
	// Actions are the member's actions (a subflow's outcomes), and Next,
	// one per action, the member each goes to; "" ends the flow (a
	// subflow's with the outcome of the action's name). A group has no
	// actions and one Next, its exit.
	Actions []string `json:"actions,omitempty"`
	Next    []string `json:"next,omitempty"`
	Members []string `json:"members,omitempty"` // a group's, in its order
	Graph   *Graph   `json:"graph,omitempty"`   // a subflow's own
}

// graphs caches each flow's Graph, built once: a package-level Flow is
// never changed after its declaration.
var graphs sync.Map // *Flow[F, S] -> *Graph

// Graph returns fl's shape. It is built once, on first use.
func (fl *Flow[F, S]) Graph() *Graph {
	if g, ok := graphs.Load(fl); ok {
		return g.(*Graph)
	}
	g := &Graph{Flow: fl.Name}
	name := func(i int) string {
		if i < 0 {
			return ""
		}
		return fl.Members[i].Name
	}
	for i := range fl.Members {
		m := &fl.Members[i]
		gm := GraphMember{Name: m.Name, Kind: "node", Actions: m.Actions}
		switch {
		case m.Step == nil:
			gm.Kind, gm.Next = "group", []string{name(m.Next)}
			for _, row := range m.Group {
				gm.Members = append(gm.Members, fl.Members[row].Name)
			}
		case m.Subflow:
			gm.Kind = "subflow"
			if m.Graph != nil {
				gm.Graph = m.Graph()
			}
		}
		for _, next := range m.Routes {
			gm.Next = append(gm.Next, name(next))
		}
		g.Members = append(g.Members, gm)
	}
	actual, _ := graphs.LoadOrStore(fl, g)
	return actual.(*Graph)
}
