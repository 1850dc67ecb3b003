package scaffold

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/gotypes"
)

// Plan is what the stub file of one .pico holds: new types for the nodes
// that nothing implements, the missing methods of types that implement a
// node in part, and a constructor for each flow that has none.
type Plan struct {
	pkg   *Package
	src   *gotypes.File
	names *fileNames
	owner map[string]*dsl.Node // the node each candidate type name belongs to
	nodes []*stubNode
	ctors []*ctor
	// Notes are for the user, one line each, as FILE:LINE:COL: message: an
	// existing method with the wrong signature, an existing constructor that
	// must now set new nodes.
	Notes []string
}

// stubNode is one node that the stub file implements or completes.
type stubNode struct {
	node   *dsl.Node
	typ    string   // the Go type
	decl   bool     // the file declares the type; else it adds methods to a user type
	ptr    bool     // the methods have pointer receivers
	phases []string // the methods to write, in the interface's order
}

// ctor is a constructor the stub file writes for a flow.
type ctor struct {
	name   string
	flow   *dsl.Flow
	fields []field // each node to its implementation, each subflow to its constructor
}

// impl is how a flow constructor sets a node's field.
type impl struct {
	expr string // classify{}, &classify{}; "" when no type implements the node
	new  bool   // a type this file declares
}

// Constructors lists the flow constructors that the stub file declares.
func (pl *Plan) Constructors() []string {
	var out []string
	for _, c := range pl.ctors {
		out = append(out, c.name)
	}
	return out
}

// Empty reports whether the plan has nothing to write: every node has an
// implementation already.
func (pl *Plan) Empty() bool { return len(pl.nodes) == 0 }

// Stubbed lists the nodes that the stub file declares or completes.
func (pl *Plan) Stubbed() []string {
	var out []string
	for _, s := range pl.nodes {
		out = append(out, s.node.Name)
	}
	return out
}

// Plan works out the stub file of src, one of the .pico files the package
// was loaded with. The names it chooses are reserved, so that the plan of
// another .pico of the package does not choose them again.
func (p *Package) Plan(src *gotypes.File) (*Plan, error) {
	pl := &Plan{pkg: p, src: src, owner: map[string]*dsl.Node{}}
	pl.names = p.fileNames(src.Model)
	for _, n := range src.Model.Nodes {
		for _, name := range candidates(n) {
			pl.owner[name] = n
		}
	}
	impls := map[*dsl.Node]impl{}
	for _, n := range src.Model.Nodes {
		it := p.iface(n)
		if it == nil {
			return nil, fmt.Errorf("%s: the generated interface %sNode did not load", src.Path, n.Name)
		}
		impls[n] = pl.node(n, it)
	}
	if pl.Empty() {
		return pl, nil
	}
	written := map[string]bool{}
	for _, fl := range src.Model.Flows {
		if name := "new" + fl.Name; !p.taken[name] {
			p.taken[name] = true
			written[fl.Name] = true
			pl.ctors = append(pl.ctors, &ctor{name: name, flow: fl})
		}
	}
	for _, c := range pl.ctors {
		c.fields = pl.wire(c.flow, impls, written)
	}
	// A constructor that exists already cannot know the nodes this file
	// declares: its call of the generated constructor no longer compiles,
	// so say what to pass where.
	for _, fl := range src.Model.Flows {
		if written[fl.Name] {
			continue
		}
		var add []string
		for i, m := range fl.Members {
			if m.Node != nil && impls[m.Node].new {
				add = append(add, fmt.Sprintf("%s for %s (parameter %d)", impls[m.Node].expr, m.Param, i+1))
			}
		}
		if len(add) > 0 {
			pos := token.NoPos
			if obj := p.types.Scope().Lookup("new" + fl.Name); obj != nil {
				pos = obj.Pos()
			}
			pl.Notes = append(pl.Notes, fmt.Sprintf("%s: new%s exists already: pass %s to %s in it", p.where(pos), fl.Name, strings.Join(add, ", "), fl.Constructor))
		}
	}
	return pl, nil
}

// node decides how n gets implemented and records any stub it needs.
func (pl *Plan) node(n *dsl.Node, it *types.Interface) impl {
	p := pl.pkg
	// A type named after another node is that node's implementation, even
	// when its methods happen to fit this node too (Shout and Sign may
	// both take and make strings).
	found := slices.DeleteFunc(p.implementers(it), func(im implementer) bool {
		owner := pl.owner[im.name]
		return owner != nil && owner != n
	})
	if len(found) > 0 {
		im := found[0]
		for _, f := range found {
			if slices.Contains(candidates(n), f.name) {
				im = f
				break
			}
		}
		return impl{expr: construct(im.named, im.ptr)}
	}
	// A user type named as scaffold would name it, with some of the phases,
	// is an implementation in progress: complete it rather than start
	// another beside it.
	for _, name := range candidates(n) {
		tn, ok := p.user[name]
		if !ok {
			continue
		}
		s, ok := pl.complete(n, it, tn)
		if !ok {
			continue
		}
		if len(s.phases) > 0 {
			pl.nodes = append(pl.nodes, s.stubNode)
		}
		if s.broken {
			return impl{}
		}
		return impl{expr: construct(tn.Type().(*types.Named), s.ptr)}
	}
	name := pl.freeName(lowerFirst(n.Name))
	p.taken[name] = true
	s := &stubNode{node: n, typ: name, decl: true, phases: phases(n)}
	pl.nodes = append(pl.nodes, s)
	return impl{expr: name + "{}", new: true}
}

// completion is a partial implementation and what it lacks.
type completion struct {
	*stubNode
	broken bool // a method has the wrong signature: the type cannot implement the node
}

// complete works out the methods that user type tn lacks to implement n.
// It reports false when tn has none of the node's methods: then it is not an
// implementation at all, only a name that is taken.
func (pl *Plan) complete(n *dsl.Node, it *types.Interface, tn *types.TypeName) (completion, bool) {
	named := tn.Type().(*types.Named)
	c := completion{stubNode: &stubNode{node: n, typ: tn.Name()}}
	have := 0
	for _, phase := range phases(n) {
		want := method(it, phase)
		obj, _, _ := types.LookupFieldOrMethod(named, true, pl.pkg.types, phase)
		if obj == nil {
			c.phases = append(c.phases, phase)
			continue
		}
		have++
		if f, ok := obj.(*types.Func); !ok || want == nil || !types.Identical(f.Type(), want.Type()) {
			c.broken = true
			pl.Notes = append(pl.Notes, fmt.Sprintf("%s: %s.%s does not match %sNode: have %s, want %s",
				pl.pkg.where(obj.Pos()), tn.Name(), phase, n.Name, pl.pkg.typeString(obj.Type()), pl.pkg.typeString(want.Type())))
		}
	}
	if have == 0 {
		return c, false
	}
	for i := range named.NumMethods() {
		if _, ok := named.Method(i).Type().(*types.Signature).Recv().Type().(*types.Pointer); ok {
			c.ptr = true
		}
	}
	return c, true
}

// field is one argument of a flow's generated constructor: the member it
// sets and its value, "nil" for a node that no type implements yet.
type field struct{ Name, Value string }

// wire returns the arguments of a call of fl's generated constructor, one
// per member in order. A node that no type implements yet (a user type with
// a wrong method) gets nil: the flow's Run then says which field is nil.
func (pl *Plan) wire(fl *dsl.Flow, impls map[*dsl.Node]impl, written map[string]bool) []field {
	var out []field
	for _, m := range fl.Members {
		if m.Node != nil {
			e := impls[m.Node].expr
			if e == "" {
				e = "nil"
			}
			out = append(out, field{m.Name(), e})
			continue
		}
		name := "new" + m.Flow.Name
		if written[m.Flow.Name] || pl.pkg.isConstructor(name, m.Flow.Name) {
			out = append(out, field{m.Name(), name + "()"})
			continue
		}
		var args []string
		for _, f := range pl.wire(m.Flow, impls, written) {
			args = append(args, f.Value)
		}
		out = append(out, field{m.Name(), m.Flow.Constructor + "(" + strings.Join(args, ", ") + ")"})
	}
	return out
}

// isConstructor reports whether the package declares name as a function
// that takes nothing and returns a *flow.
func (p *Package) isConstructor(name, flow string) bool {
	f, ok := p.types.Scope().Lookup(name).(*types.Func)
	if !ok || p.generated(f.Pos()) {
		return false
	}
	sig := f.Type().(*types.Signature)
	if sig.Params().Len() != 0 || sig.Results().Len() != 1 {
		return false
	}
	ptr, ok := sig.Results().At(0).Type().(*types.Pointer)
	if !ok {
		return false
	}
	named, ok := ptr.Elem().(*types.Named)
	return ok && named.Obj().Name() == flow && named.Obj().Pkg() == p.types
}

// typeString writes t as the package's own code would.
func (p *Package) typeString(t types.Type) string {
	return types.TypeString(t, types.RelativeTo(p.types))
}

// phases are the methods of n's interface, in the order they run.
func phases(n *dsl.Node) []string {
	var out []string
	if n.Prep != nil {
		out = append(out, "Prep")
	}
	if n.Exec != nil {
		out = append(out, "Exec")
	}
	if n.Fallback {
		out = append(out, "ExecFallback")
	}
	return append(out, "Post")
}

// method returns the method name of it, or nil.
func method(it *types.Interface, name string) *types.Func {
	for i := range it.NumMethods() {
		if m := it.Method(i); m.Name() == name {
			return m
		}
	}
	return nil
}

// candidates are the type names that may implement n in progress: the
// names scaffold gives its stubs, and the node's own name.
func candidates(n *dsl.Node) []string {
	l := lowerFirst(n.Name)
	return []string{l, l + "Node", n.Name}
}

// freeName returns base, or base with "Node" and then a number appended,
// whichever is first free: not a keyword, not predeclared, not declared in
// the package nor chosen by this run, not an import of the stub file.
func (pl *Plan) freeName(base string) string {
	free := func(name string) bool {
		return !token.IsKeyword(name) && types.Universe.Lookup(name) == nil && !pl.pkg.taken[name] && !pl.names.used[name]
	}
	if free(base) {
		return base
	}
	for i := 1; ; i++ {
		name := base + "Node"
		if i > 1 {
			name += strconv.Itoa(i)
		}
		if free(name) {
			return name
		}
	}
}

// construct is the expression that makes a zero value of the implementing
// type named for a node field: a pointer when only *T implements the node.
func construct(named *types.Named, ptr bool) string {
	name := named.Obj().Name()
	composite := false
	switch named.Underlying().(type) {
	case *types.Struct, *types.Array, *types.Slice, *types.Map:
		composite = true
	}
	switch {
	case ptr && composite:
		return "&" + name + "{}"
	case ptr:
		return "new(" + name + ")"
	case composite:
		return name + "{}"
	}
	if z := basicZero(named.Underlying()); z != "" {
		return name + "(" + z + ")"
	}
	return name + "(nil)"
}

// lowerFirst makes an exported name unexported the way Go programmers do:
// Classify -> classify, HTTPFetch -> httpFetch, URL -> url, URLs -> urls.
func lowerFirst(name string) string {
	r := []rune(name)
	i := 0
	for i < len(r) && unicode.IsUpper(r[i]) {
		i++
	}
	plural := i < len(r) && r[i] == 's' && (i+1 == len(r) || !unicode.IsLower(r[i+1]))
	if i > 1 && i < len(r) && unicode.IsLower(r[i]) && !plural {
		i-- // the last capital starts the next word
	}
	for j := range i {
		r[j] = unicode.ToLower(r[j])
	}
	return string(r)
}
