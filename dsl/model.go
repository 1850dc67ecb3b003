package dsl

import (
	"fmt"
	"strings"
	"time"
)

// Pos is a position in a .pico file. Line and Column start at 1; Column counts
// bytes, as go/token does.
type Pos struct {
	Filename string
	Offset   int
	Line     int
	Column   int
}

// String formats p as FILE:LINE:COL, the form editors turn into a link.
func (p Pos) String() string {
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

// Model is a checked .pico file: every name is resolved, every route is known.
// The code generator reads only the model, never the syntax tree.
type Model struct {
	Filename   string    // as given to Check
	SourceHash string    // the SHA-256 of the file's bytes, in hex: generated code records it
	Package    string    // from `package`; "" when the file has none
	PackagePos Pos       // of the package name, when there is one
	Imports    []*Import // in source order, each used by at least one type
	Store      *Store
	Nodes      []*Node // in source order
	Flows      []*Flow // in source order
}

// HasGroups reports whether some flow of m has a parallel group.
func (m *Model) HasGroups() bool {
	for _, fl := range m.Flows {
		if len(fl.Groups) > 0 {
			return true
		}
	}
	return false
}

// Import is an `import [alias] "path"` declaration.
type Import struct {
	Pos   Pos
	Alias string // "" when the import has none
	Path  string
	Name  string // the qualifier types use: Alias, else the last path element
	// GoName is the name the generated file imports it as: Name, unless
	// generated code needs that name for something else.
	GoName string
}

// Store is the one `store` declaration: the state every node reads and writes.
type Store struct {
	Pos         Pos
	Name        string
	Constructor string   // NewTicket
	Doc         []string // doc comment lines, without the leading "//" and one space
	Fields      []*Field
}

// Field is one store field.
type Field struct {
	Pos     Pos
	Name    string // as written in the .pico; also the JSON key
	GoName  string // exported CamelCase with Go initialisms: user_id -> UserID
	Type    *Type
	Default *Literal // nil when the field has none
	// Merge is how the writes of a parallel group's members to the field
	// combine: "append", "sum", "max", "min", "union", or "" for none (a
	// field changed by several members is then a conflict).
	Merge    string
	MergePos Pos
	Doc      []string
	Comment  string // a comment at the end of the field's line, without "//"
}

// TypeKind says which Go type expression a Type is.
type TypeKind int

const (
	NamedType   TypeKind = iota + 1 // string, Page, time.Duration
	SliceType                       // []Elem
	ArrayType                       // [Len]Elem
	MapType                         // map[Key]Elem
	PointerType                     // *Elem
)

// Type is a Go type expression written in the .pico.
type Type struct {
	Pos  Pos
	Kind TypeKind
	Name string  // NamedType: the name without qualifier
	Pkg  *Import // NamedType: the import of a qualified name; nil for predeclared and local names
	Len  int64   // ArrayType
	Key  *Type   // MapType
	Elem *Type   // SliceType, ArrayType, MapType, PointerType
	// NamePos is where Name is written (NamedType): Pos, or after the
	// qualifier of a qualified name.
	NamePos Pos
}

// String returns t in Go syntax, qualified as written in the .pico.
func (t *Type) String() string {
	switch t.Kind {
	case SliceType:
		return "[]" + t.Elem.String()
	case ArrayType:
		return fmt.Sprintf("[%d]%s", t.Len, t.Elem)
	case MapType:
		return "map[" + t.Key.String() + "]" + t.Elem.String()
	case PointerType:
		return "*" + t.Elem.String()
	}
	if t.Pkg != nil {
		return t.Pkg.Name + "." + t.Name
	}
	return t.Name
}

// IsDuration reports whether t is time.Duration.
func (t *Type) IsDuration() bool {
	return t.Kind == NamedType && t.Pkg != nil && t.Pkg.Path == "time" && t.Name == "Duration"
}

// LiteralKind says what kind of literal a default value is.
type LiteralKind int

const (
	StringLit LiteralKind = iota + 1
	IntLit
	FloatLit
	BoolLit
	DurationLit // 30s, 1m30s: a time.Duration, or a type whose underlying type is int64
)

// Literal is a store field default.
type Literal struct {
	Pos  Pos
	Kind LiteralKind
	Go   string // as written, in Go syntax except for a duration: "unknown" (quoted), -1, 2.5, true, 30s
	// Duration is the value of a DurationLit.
	Duration time.Duration
}

// Node is a `node` declaration.
type Node struct {
	Pos        Pos
	Name       string
	Interface  string // ClassifyNode: the interface that implements the node
	ActionType string // ClassifyAction; "" for a terminal node
	Doc        []string
	Prep       *Type // nil: the node has no Prep phase
	Exec       *Type // nil: the node has no Exec phase
	Attempts   int   // >= 1
	Wait       time.Duration
	Backoff    float64 // >= 1
	Timeout    time.Duration
	Batch      bool // Prep returns a slice; Exec runs once per element
	Parallel   int  // >= 1; more than 1 only with Batch
	// Fallback says the node implements ExecFallback, called with the last
	// error once every attempt of Exec has failed (per element for a batch).
	Fallback bool
	// Await is the type of the answer the node waits for (nil: none): the run
	// stops after its Prep, and the flow's Resume<Node> gives its Post the
	// answer.
	Await *Type
	// Actions are the node's outcomes: its `actions` list when it declares one,
	// else the labels of its outgoing edges across all flows, in order of first
	// appearance. None: the node is terminal.
	Actions []*Action
}

// Terminal reports whether n has no actions: after its Post the flow finishes.
func (n *Node) Terminal() bool { return len(n.Actions) == 0 }

// Item is the type Exec receives: the element type of Prep for a batch node,
// else Prep itself (nil when the node has no Prep).
func (n *Node) Item() *Type {
	if n.Batch {
		return n.Prep.Elem
	}
	return n.Prep
}

// Action is one outcome of a node, or of a flow used as a node.
type Action struct {
	Pos    Pos    // where it is declared or first used
	Name   string // as written: "faq"
	GoName string // the generated constant: "ClassifyFaq"
}

// Flow is a `flow` declaration.
type Flow struct {
	Pos         Pos
	Name        string // also the name of the generated struct
	Constructor string // NewSupport
	Table       string // flowSupport: the variable holding the flow's member table
	ActionType  string // ResearchAction, for a subflow's outcomes; else ""
	Doc         []string
	MaxSteps    int       // 0: no limit
	Start       *Member   // the member that runs first
	Members     []*Member // every node and subflow the flow uses, Start first, then in order of first appearance
	// Groups are the flow's parallel groups, in order of first appearance:
	// the runtime's table has a row for each after the members'.
	Groups []*Member
	Edges  []*Edge // chains split into single edges, in source order
	// Outcomes are the labels of the flow's edges into `end`, in order of first
	// appearance: the actions the flow has when another flow uses it as a node.
	Outcomes []*Action
	// Subflow reports whether another flow of the file uses this one as a node.
	Subflow bool
	// Awaits are the await nodes the flow reaches, directly or through its
	// subflows, in order of first appearance: each gets a Resume<Node>
	// method on the flow.
	Awaits []*Node
	// Temporal are the names X.temporal.go declares for the flow.
	Temporal TemporalNames
}

// TemporalNames are the package-level names that `picoflow generate
// -temporal` declares for a flow (here for flow Support).
type TemporalNames struct {
	Register         string // RegisterSupport: the workflow and activities, with a worker
	RegisterWorkflow string // RegisterSupportWorkflow: the workflow alone, for a replayer
	Activities       string // registerSupportActivities
	Table            string // temporalSupport: the table the workflow drives
	Start            string // StartSupport: start a run from a client
	Get              string // GetSupportRun: a run started before
	Run              string // SupportRun: a run, with Resume<Node> per await node
}

// Member is a node, a subflow or a parallel group as used inside one flow,
// with its routes.
type Member struct {
	Node *Node // exactly one of Node, Flow and Group is set
	Flow *Flow
	// Group holds the members of a parallel group, in the order of the
	// .pico: terminal nodes and subflows, each also one of the flow's
	// Members.
	Group []*Member
	// Exit is the member a group goes to once its members' stores are
	// merged: nil for end. A group has no actions and no Routes.
	Exit *Member
	// GroupOnly reports that the member runs only in parallel groups: it
	// has no routes, its group goes on.
	GroupOnly bool
	// Step is the method of the flow's struct that runs the member:
	// stepClassify.
	Step string
	// Param is the member's parameter in the flow's constructor: classify.
	Param string
	// Routes holds one route per action of the member, in the member's action
	// order, with `*` edges already expanded.
	Routes []*Route
}

// Name is the member's node or flow name, which is also its field name in the
// generated flow struct.
// A group's name is its members' in brackets: "[Web, Docs]".
func (m *Member) Name() string {
	switch {
	case m.Flow != nil:
		return m.Flow.Name
	case m.Group != nil:
		names := make([]string, len(m.Group))
		for i, g := range m.Group {
			names[i] = g.Name()
		}
		return "[" + strings.Join(names, ", ") + "]"
	}
	return m.Node.Name
}

// ExitName names where a group goes: its exit's name, or end.
func (m *Member) ExitName() string {
	if m.Exit == nil {
		return "end"
	}
	return m.Exit.Name()
}

// Actions are the member's outcomes: a node's actions or a subflow's outcomes.
// A group has none.
func (m *Member) Actions() []*Action {
	switch {
	case m.Flow != nil:
		return m.Flow.Outcomes
	case m.Node != nil:
		return m.Node.Actions
	}
	return nil
}

// Route says where a flow goes after a member returns an action.
type Route struct {
	Action *Action
	Target *Member // nil: the flow finishes (an edge into `end`)
	Edge   *Edge   // the edge that routes it: labelled or `*`
}

// Edge is one `SOURCE then ACTION -> TARGET` link.
type Edge struct {
	Pos      Pos // of the source name
	From     *Member
	Label    string // the action, or "*"
	LabelPos Pos
	To       *Member // nil: `end`
	ToPos    Pos
}

// Wildcard reports whether e is a `*` edge.
func (e *Edge) Wildcard() bool { return e.Label == "*" }
