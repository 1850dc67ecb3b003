package dsl

import (
	"fmt"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// The Go names of generated code are decided here, once, and recorded in
// the model: codegen, scaffold and the checks only read them. Every name is
// checked against the others, against the .pico's types and imports, and
// (by picoflow check -types) against the package's own declarations, so a
// clean check never generates Go that fails to compile on a name.

// GeneratedLocals are the identifiers that generated function signatures and
// bodies declare. A local type with one of these names would be shadowed
// where generated code names it, so the checker refuses it; an import with
// one of them is given another name in the generated file.
var GeneratedLocals = []string{
	// parameters
	"ctx", "s", "prep", "exec", "item", "err", "cp", "opts", "answer", "r", "old", "dst", "j",
	// locals
	"f", "n", "p", "e", "a", "o", "b", "answered", "out",
}

// GeneratedImports are the packages that generated code imports for itself,
// by the name it refers to them with.
var GeneratedImports = map[string]string{
	"context": "context",
	"fmt":     "fmt",
	"json":    "encoding/json",
	"maps":    "maps",
	"runtime": "github.com/digital-duck/picoflow-go/runtime",
	"slices":  "slices",
	"strconv": "strconv",
	"strings": "strings",
	"time":    "time",
	// for X.temporal.go (picoflow generate -temporal)
	"pftemporal": "github.com/digital-duck/picoflow-go/runtime/temporal",
}

// GeneratedMethods are the methods that generated code declares on the
// store struct and on every flow struct, besides those the model names.
var GeneratedMethods = struct{ Store, Flow []string }{
	Store: []string{"copyInto", "reportWrites", "appendJSON", "mergeMembers"},
	Flow:  []string{"Run", "Resume"},
}

// GoDecl is one package-level identifier that generated code declares.
type GoDecl struct {
	Name  string
	What  string // what it is, for messages: "the interface of node Classify"
	Pos   Pos    // the .pico position that makes it
	Value bool   // a function or constant, not a type
}

// Declared lists every package-level identifier of the generated file, in
// .pico order: the store and its constructor, each node's interface, action
// type and actions, each flow's struct, constructor and, for a subflow, its
// outcome type and outcomes.
func (m *Model) Declared() []GoDecl {
	var out []GoDecl
	type item struct {
		pos   Pos
		decls []GoDecl
	}
	var items []item
	if st := m.Store; st != nil {
		items = append(items, item{st.Pos, []GoDecl{
			{st.Name, "store " + st.Name, st.Pos, false},
			{st.Constructor, "the constructor of store " + st.Name, st.Pos, true},
		}})
	}
	for _, n := range m.Nodes {
		ds := []GoDecl{{n.Interface, "the interface of node " + n.Name, n.Pos, false}}
		if n.ActionType != "" {
			ds = append(ds, GoDecl{n.ActionType, "the action type of node " + n.Name, n.Pos, false})
		}
		for _, a := range n.Actions {
			ds = append(ds, GoDecl{a.GoName, fmt.Sprintf("action %q of %s", a.Name, n.Name), a.Pos, true})
		}
		items = append(items, item{n.Pos, ds})
	}
	for _, fl := range m.Flows {
		ds := []GoDecl{
			{fl.Name, "flow " + fl.Name, fl.Pos, false},
			{fl.Constructor, "the constructor of flow " + fl.Name, fl.Pos, true},
			{fl.Table, "the member table of flow " + fl.Name, fl.Pos, true},
		}
		// X.temporal.go's, reserved whether or not it is generated, so
		// that a check-clean file can always run on Temporal.
		t := fl.Temporal
		ds = append(ds,
			GoDecl{t.Register, "the Temporal registration of flow " + fl.Name, fl.Pos, true},
			GoDecl{t.RegisterWorkflow, "the Temporal workflow registration of flow " + fl.Name, fl.Pos, true},
			GoDecl{t.Activities, "the Temporal activities of flow " + fl.Name, fl.Pos, true},
			GoDecl{t.Table, "the Temporal table of flow " + fl.Name, fl.Pos, true},
			GoDecl{t.Start, "the Temporal start of flow " + fl.Name, fl.Pos, true},
			GoDecl{t.Get, "the Temporal run lookup of flow " + fl.Name, fl.Pos, true},
			GoDecl{t.Run, "the Temporal run type of flow " + fl.Name, fl.Pos, false},
		)
		if fl.ActionType != "" {
			ds = append(ds, GoDecl{fl.ActionType, "the outcome type of flow " + fl.Name, fl.Pos, false})
			for _, a := range fl.Outcomes {
				ds = append(ds, GoDecl{a.GoName, fmt.Sprintf("outcome %q of flow %s", a.Name, fl.Name), a.Pos, true})
			}
		}
		items = append(items, item{fl.Pos, ds})
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.pos.Offset - b.pos.Offset })
	for _, it := range items {
		out = append(out, it.decls...)
	}
	return out
}

// Methods lists, by receiver type, the methods generated code declares.
func (m *Model) Methods() map[string][]string {
	out := map[string][]string{}
	if m.Store != nil {
		out[m.Store.Name] = GeneratedMethods.Store
	}
	for _, fl := range m.Flows {
		ms := slices.Clone(GeneratedMethods.Flow)
		for _, mb := range fl.Members {
			ms = append(ms, mb.Step)
		}
		for _, n := range fl.Awaits {
			ms = append(ms, "Resume"+n.Name)
		}
		out[fl.Name] = ms
	}
	return out
}

// goNames decides the Go names of the model and reports those that would be
// declared twice, in source order so that the later declaration gets the
// error, and types the generated code would shadow.
func (c *checker) goNames() {
	m := c.m
	if st := m.Store; st != nil {
		st.Constructor = "New" + st.Name
	}
	for _, n := range m.Nodes {
		n.Interface = n.Name + "Node"
		if !n.Terminal() {
			n.ActionType = n.Name + "Action"
		}
	}
	for _, fl := range m.Flows {
		fl.Awaits = awaits(fl, map[*Flow]bool{})
	}
	for _, fl := range m.Flows {
		fl.Constructor = "New" + fl.Name
		fl.Table = "flow" + fl.Name
		fl.Temporal = TemporalNames{
			Register:         "Register" + fl.Name,
			RegisterWorkflow: "Register" + fl.Name + "Workflow",
			Activities:       "register" + fl.Name + "Activities",
			Table:            "temporal" + fl.Name,
			Start:            "Start" + fl.Name,
			Get:              "Get" + fl.Name + "Run",
			Run:              fl.Name + "Run",
		}
		if fl.Subflow {
			fl.ActionType = fl.Name + "Action"
		}
		params := map[string]bool{}
		for _, mb := range fl.Members {
			mb.Step = "step" + mb.Name()
			mb.Param = paramName(mb, params)
		}
	}

	seen := map[string]GoDecl{}
	for _, d := range m.Declared() {
		if first, ok := seen[d.Name]; ok {
			c.errorf(d.Pos, "%s would be generated as %s, which is already %s at %s", d.What, d.Name, first.What, first.Pos)
			continue
		}
		seen[d.Name] = d
	}

	// Names that generated bodies declare shadow a type of the same name
	// written in the .pico.
	shadow := map[string]string{}
	for _, l := range GeneratedLocals {
		shadow[l] = "a local of the generated code"
	}
	for name := range GeneratedImports {
		shadow[name] = "an import of the generated code"
	}
	// A local type name must name a type: not a value that generated code
	// declares (a constructor, an action), not an import, not a predeclared
	// value such as nil.
	values := map[string]GoDecl{}
	for _, d := range m.Declared() {
		if d.Value {
			values[d.Name] = d
		}
	}
	for _, t := range c.localTypes {
		if what, ok := shadow[t.Name]; ok {
			c.errorf(t.Pos, "type name %s is %s; rename the type", t.Name, what)
			continue
		}
		if d, ok := values[t.Name]; ok {
			c.errorf(t.Pos, "%s is %s, not a type", t.Name, d.What)
			continue
		}
		if imp := c.imports[t.Name]; imp != nil {
			c.errorf(t.Pos, "%s is the package imported at %s, not a type", t.Name, imp.Pos)
			continue
		}
		if universe[t.Name] {
			c.errorf(t.Pos, "%s is a predeclared value, not a type", t.Name)
		}
	}

	// An import whose name generated code needs for something else is given
	// another name in the generated file.
	taken := map[string]bool{}
	for name := range shadow {
		taken[name] = true
	}
	for name := range seen {
		taken[name] = true
	}
	for _, imp := range m.Imports {
		taken[imp.Name] = true
	}
	for _, imp := range m.Imports {
		imp.GoName = imp.Name
		path, own := GeneratedImports[imp.Name]
		if (own && path != imp.Path) || (!own && shadow[imp.Name] != "") || seen[imp.Name].Name != "" {
			imp.GoName = unique(imp.Name, taken)
			taken[imp.GoName] = true
		}
	}
}

// awaits lists the await nodes fl reaches, through its subflows too, each
// once; seen guards against a cycle of subflows (refused elsewhere).
func awaits(fl *Flow, seen map[*Flow]bool) []*Node {
	if seen[fl] {
		return nil
	}
	seen[fl] = true
	var out []*Node
	for _, mb := range fl.Members {
		var more []*Node
		switch {
		case mb.Node != nil && mb.Node.Await != nil:
			more = []*Node{mb.Node}
		case mb.Flow != nil:
			more = awaits(mb.Flow, seen)
		}
		for _, n := range more {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// paramName is the constructor parameter of member m: its name with the
// leading capitals lowered, as Go writes a local (HTTPFetch -> httpFetch),
// unless that is a Go keyword or predeclared name or already taken.
func paramName(m *Member, taken map[string]bool) string {
	name := m.Name()
	r := []rune(name)
	i := 0
	for i < len(r) && unicode.IsUpper(r[i]) {
		i++
	}
	if i > 1 && i < len(r) {
		i-- // HTTPFetch: the F starts the next word
	}
	p := strings.ToLower(string(r[:i])) + string(r[i:])
	if token.IsKeyword(p) || predeclared[p] || universe[p] || taken[p] {
		kind := "Node"
		if m.Flow != nil {
			kind = "Flow"
		}
		p += kind
		if taken[p] {
			p = unique(p, taken)
		}
	}
	taken[p] = true
	return p
}

// universe are the predeclared names that are no types: a parameter with one
// of them would shadow it.
var universe = map[string]bool{
	"true": true, "false": true, "iota": true, "nil": true, "append": true, "cap": true, "clear": true,
	"close": true, "complex": true, "copy": true, "delete": true, "imag": true, "len": true, "make": true,
	"max": true, "min": true, "new": true, "panic": true, "print": true, "println": true, "real": true, "recover": true,
}

// unique returns name followed by the smallest number that makes it free.
func unique(name string, taken map[string]bool) string {
	for i := 1; ; i++ {
		if c := name + strconv.Itoa(i); !taken[c] {
			return c
		}
	}
}

// InterfaceMethods are the methods of node interfaces, and ActionMethods
// those generated on action types.
var (
	InterfaceMethods = []string{"Prep", "Exec", "ExecFallback", "Post"}
	ActionMethods    = []string{"String"}
)

// Idents is every identifier that the code generated for m may declare:
// its package-level names and methods, its import names, the fields of the
// store and flow structs, interface methods, and the locals and parameters
// of the bodies. A test holds the generated code to it.
func (m *Model) Idents() map[string]bool {
	out := map[string]bool{"_": true}
	add := func(names ...string) {
		for _, n := range names {
			out[n] = true
		}
	}
	for _, d := range m.Declared() {
		add(d.Name)
	}
	for _, ms := range m.Methods() {
		add(ms...)
	}
	for _, imp := range m.Imports {
		add(imp.GoName)
	}
	add(GeneratedLocals...)
	add(InterfaceMethods...)
	add(ActionMethods...)
	if m.Store != nil {
		for _, f := range m.Store.Fields {
			add(f.GoName)
		}
	}
	for _, fl := range m.Flows {
		for _, mb := range fl.Members {
			add(mb.Name(), mb.Param)
		}
	}
	return out
}
