package scaffold

import (
	"bytes"
	"fmt"
	"go/format"
	"go/types"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/templates"
)

// paramNames are the parameter names of the stub methods. An import of the
// stub file must not be called so, or a zero value in a method body would
// name the parameter instead of the package.
var paramNames = []string{"ctx", "s", "prep", "exec", "item", "err"}

// fileNames are the names the stub file imports its packages under.
type fileNames struct {
	byPath map[string]string
	used   map[string]bool // every import name, and the parameter names
	need   map[string]bool // the paths the rendered code refers to
}

// fileNames chooses an import name for context, errors and each import of
// m, avoiding the package's top-level names (an import may not have the
// name of a package-level declaration) and each other.
func (p *Package) fileNames(m *dsl.Model) *fileNames {
	f := &fileNames{byPath: map[string]string{}, used: map[string]bool{}, need: map[string]bool{}}
	for _, n := range paramNames {
		f.used[n] = true
	}
	add := func(path, name string) {
		if _, ok := f.byPath[path]; ok {
			return
		}
		n := name
		for i := 1; p.taken[n] || f.used[n]; i++ {
			n = name + strconv.Itoa(i)
		}
		f.used[n] = true
		f.byPath[path] = n
	}
	add("context", "context")
	add("errors", "errors")
	for _, imp := range m.Imports {
		add(imp.Path, imp.Name)
	}
	return f
}

// qual returns the name the file refers to the package at path by.
func (f *fileNames) qual(path string) string {
	f.need[path] = true
	return f.byPath[path]
}

// specs are the import lines of the file: the packages it refers to, the
// standard library first, each under its own name unless it needs another.
func (f *fileNames) specs(pkg *types.Package) []string {
	var std, other []string
	for _, p := range slices.Sorted(maps.Keys(f.need)) {
		name := f.byPath[p]
		spec := strconv.Quote(p)
		if name != actualName(pkg, p) {
			spec = name + " " + spec
		}
		if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") {
			other = append(other, spec)
		} else {
			std = append(std, spec)
		}
	}
	if len(std) > 0 && len(other) > 0 {
		std = append(std, "")
	}
	return append(std, other...)
}

// actualName is the package name of the import path as the loaded package
// sees it, or the path's last element when it did not load.
func actualName(pkg *types.Package, p string) string {
	for _, imp := range pkg.Imports() {
		if imp.Path() == p {
			return imp.Name()
		}
	}
	return path.Base(p)
}

// The data of templates.Nodes.
type (
	fileData struct {
		File, Source, Package string
		Imports               []string
		Nodes                 []nodeData
		Constructors          []ctorData
	}
	nodeData struct {
		Doc     []string // comment lines
		Type    string   // "" when the methods complete a user type
		Methods []methodData
	}
	methodData struct {
		Doc                                 []string
		Recv, Name, Params, Results, Return string
	}
	ctorData struct {
		Doc             []string
		Name, Flow, New string
		Fields          []field // the arguments of New, one per member
	}
)

// Render returns the stub file of the plan, gofmt-formatted, for a file
// called file: its messages name it, so that a "not implemented" error says
// where to go.
func (pl *Plan) Render(file string) ([]byte, error) {
	r := &renderer{pl: pl, m: pl.src.Model, file: filepath.Base(file)}
	data := fileData{File: r.file, Source: filepath.Base(pl.src.Path), Package: pl.src.Pkg}
	for _, s := range pl.nodes {
		data.Nodes = append(data.Nodes, r.node(s))
	}
	for _, c := range pl.ctors {
		cd := ctorData{Name: c.name, Flow: c.flow.Name, New: c.flow.Constructor, Fields: c.fields}
		cd.Doc = comment(fmt.Sprintf("%s returns a new %s with every node set.", c.name, c.flow.Name))
		var missing []string
		for _, f := range c.fields {
			if f.Value == "nil" {
				missing = append(missing, f.Name)
			}
		}
		if len(missing) > 0 {
			them := "them"
			if len(missing) == 1 {
				them = "it"
			}
			cd.Doc = comment(fmt.Sprintf("%s returns a new %s with every node set but %s: no type implements %s yet.",
				c.name, c.flow.Name, strings.Join(missing, ", "), them))
		}
		data.Constructors = append(data.Constructors, cd)
	}
	data.Imports = pl.names.specs(pl.pkg.types)
	var buf bytes.Buffer
	if err := templates.Nodes.Execute(&buf, data); err != nil {
		return nil, err
	}
	out, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("scaffold: %s: the stub file does not parse: %v", r.file, err)
	}
	return out, nil
}

type renderer struct {
	pl   *Plan
	m    *dsl.Model
	file string
}

func (r *renderer) node(s *stubNode) nodeData {
	n := s.node
	var d nodeData
	par := parallelNote(r.m, n)
	if s.decl {
		d.Type = s.typ
		d.Doc = comment(fmt.Sprintf("%s implements %sNode.", s.typ, n.Name))
		if len(n.Doc) > 0 {
			d.Doc = append(d.Doc, "//")
			for _, l := range n.Doc {
				d.Doc = append(d.Doc, strings.TrimRight("// "+l, " \t"))
			}
		}
		if par != "" {
			d.Doc = append(d.Doc, "//")
			d.Doc = append(d.Doc, comment(par)...)
		}
	}
	recv := s.typ
	if s.ptr {
		recv = "*" + s.typ
	}
	for _, ph := range s.phases {
		d.Methods = append(d.Methods, r.method(n, recv, s.typ, ph))
	}
	// Methods added to a user type have no type comment to say it: the
	// Post does, which writes the copy, else the first method.
	if !s.decl && par != "" && len(d.Methods) > 0 {
		md := &d.Methods[0]
		if i := slices.IndexFunc(d.Methods, func(m methodData) bool { return m.Name == "Post" }); i >= 0 {
			md = &d.Methods[i]
		}
		md.Doc = append(md.Doc, "//")
		md.Doc = append(md.Doc, comment(par)...)
	}
	return d
}

// groupUse is one parallel group that runs a node: directly, or inside a
// subflow that is a member of the group.
type groupUse struct {
	group *dsl.Member
	flow  *dsl.Flow // the flow the group belongs to
	via   *dsl.Flow // the member of the group that runs the node; nil when the node is one
}

// groupUses lists the parallel groups that run n, by flow in source order
// and each flow's groups in the order the .pico reaches them.
func groupUses(m *dsl.Model, n *dsl.Node) []groupUse {
	var out []groupUse
	for _, fl := range m.Flows {
		for _, grp := range flowGroups(fl) {
			for _, mem := range grp.Group {
				switch {
				case mem.Node == n:
					out = append(out, groupUse{grp, fl, nil})
				case mem.Flow != nil && runs(mem.Flow, n, map[*dsl.Flow]bool{}):
					out = append(out, groupUse{grp, fl, mem.Flow})
				}
			}
		}
	}
	return out
}

// flowGroups lists the parallel groups of fl as the .pico reaches them:
// after the first edge into each, the groups its exits chain to.
func flowGroups(fl *dsl.Flow) []*dsl.Member {
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
			out = append(out, grp)
		}
	}
	return out
}

// runs reports whether flow fl or one of its subflows has node n as a
// member.
func runs(fl *dsl.Flow, n *dsl.Node, seen map[*dsl.Flow]bool) bool {
	if seen[fl] {
		return false
	}
	seen[fl] = true
	for _, m := range fl.Members {
		if m.Node == n || m.Flow != nil && runs(m.Flow, n, seen) {
			return true
		}
	}
	return false
}

// parallelNote says which parallel groups run n and what that means for
// its store, or is "" when none does.
func parallelNote(m *dsl.Model, n *dsl.Node) string {
	uses := groupUses(m, n)
	if len(uses) == 0 {
		return ""
	}
	// The groups of one flow, reached the same way, go together:
	// "[A, B] and [B, C] of flow F".
	type place struct{ flow, via *dsl.Flow }
	var places []place
	names := map[place][]string{}
	for _, u := range uses {
		p := place{u.flow, u.via}
		if names[p] == nil {
			places = append(places, p)
		}
		names[p] = append(names[p], u.group.Name())
	}
	var where []string
	for _, p := range places {
		w := andList(names[p]) + " of flow " + p.flow.Name
		if p.via != nil {
			w += " (inside flow " + p.via.Name + ")"
		}
		where = append(where, w)
	}
	list := where[0]
	if len(where) > 1 {
		list = strings.Join(where[:len(where)-1], ", ") + ", and " + where[len(where)-1]
	}
	groups := "group"
	if len(uses) > 1 {
		groups = "groups"
	}
	return fmt.Sprintf("%s runs in parallel %s %s: there it reads and writes a copy of the store, taken when the group began, and the members' writes are merged field by field once all have finished (a field that several members change needs a merge rule).",
		n.Name, groups, list)
}

// terminalDoc says what follows the Post of terminal node n: the flow
// finishes, unless n runs in a parallel group, which goes on.
func terminalDoc(m *dsl.Model, n *dsl.Node) string {
	inGroup := slices.ContainsFunc(groupUses(m, n), func(u groupUse) bool { return u.via == nil })
	plain := false
	for _, fl := range m.Flows {
		for _, mem := range fl.Members {
			plain = plain || mem.Node == n && !mem.GroupOnly
		}
	}
	switch {
	case inGroup && plain:
		return fmt.Sprintf("%s is terminal: after its Post the flow finishes or, in a parallel group, the group goes on once every member has finished.", n.Name)
	case inGroup:
		return fmt.Sprintf("%s is terminal and runs only in parallel groups: after its Post, once every member has finished, the group goes on.", n.Name)
	}
	return fmt.Sprintf("%s is terminal: after its Post the flow finishes.", n.Name)
}

// method writes one method of a node's interface (or its ExecFallback),
// with the parameter names of the generated interface.
func (r *renderer) method(n *dsl.Node, recv, typ, phase string) methodData {
	ctx := "ctx " + r.qual("context") + ".Context"
	store := "s *" + r.m.Store.Name
	notImpl := fmt.Sprintf("%s.New(%s)", r.qual("errors"), strconv.Quote(fmt.Sprintf("%s.%s is not implemented (%s)", typ, phase, r.file)))
	md := methodData{Recv: recv, Name: phase}
	var params []string
	var doc string
	switch phase {
	case "Prep":
		params = []string{ctx, store}
		md.Results = "(" + r.typ(n.Prep) + ", error)"
		md.Return = r.zero(n.Prep) + ", " + notImpl
		next := "Post"
		if n.Exec != nil {
			next = "Exec"
		}
		doc = "Prep reads from the store what " + next + " needs."
	case "Exec", "ExecFallback":
		params = []string{ctx}
		switch {
		case n.Batch:
			params = append(params, "item "+r.typ(n.Item()))
		case n.Prep != nil:
			params = append(params, "prep "+r.typ(n.Prep))
		}
		md.Results = "(" + r.typ(n.Exec) + ", error)"
		md.Return = r.zero(n.Exec) + ", " + notImpl
		doc = execDoc(n)
		if phase == "ExecFallback" {
			params = append(params, "err error")
			md.Return = r.zero(n.Exec) + ", err"
			doc = "ExecFallback is called, because the node has fallback, once every attempt of Exec has failed, with the last error; what it returns stands in for the result of Exec. As written it fails the node with that error: return a fallback result instead."
		}
	case "Post":
		params = []string{ctx, store}
		if n.Prep != nil {
			params = append(params, "prep "+r.typ(n.Prep))
		}
		if n.Exec != nil {
			if n.Batch {
				params = append(params, "exec []"+r.typ(n.Exec))
			} else {
				params = append(params, "exec "+r.typ(n.Exec))
			}
		}
		if n.Await != nil {
			params = append(params, "answer "+r.typ(n.Await))
		}
		if n.Terminal() {
			md.Results = "error"
			md.Return = notImpl
			doc = "Post writes the results to the store. " + terminalDoc(r.m, n)
		} else {
			md.Results = "(" + n.Name + "Action, error)"
			md.Return = "0, " + notImpl
			var acts []string
			for _, a := range n.Actions {
				acts = append(acts, a.GoName)
			}
			doc = "Post writes the results to the store and returns what comes next: " + orList(acts) + "."
		}
	}
	md.Params = strings.Join(params, ", ")
	md.Doc = comment(doc)
	return md
}

// execDoc explains how Exec is called, with the node's settings.
func execDoc(n *dsl.Node) string {
	var b strings.Builder
	switch {
	case n.Batch && n.Parallel > 1:
		fmt.Fprintf(&b, "Exec runs once per element of what Prep returned, at most %d at once.", n.Parallel)
	case n.Batch:
		b.WriteString("Exec runs once per element of what Prep returned, one after another.")
	case n.Prep != nil:
		b.WriteString("Exec does the work on what Prep returned.")
	default:
		b.WriteString("Exec does the work.")
	}
	b.WriteString(" It gets no store, so that it can be retried")
	if n.Batch && n.Parallel > 1 {
		b.WriteString(" and run in parallel")
	}
	b.WriteString(" safely.")
	if n.Attempts > 1 {
		fmt.Fprintf(&b, " It is tried up to %d times; an error wrapped by runtime.Permanent is not retried.", n.Attempts)
	}
	return b.String()
}

// orList joins names as "A", "A or B", "A, B or C".
func orList(names []string) string { return joinList(names, " or ") }

// andList joins names as "A", "A and B", "A, B and C".
func andList(names []string) string { return joinList(names, " and ") }

func joinList(names []string, last string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + last + names[len(names)-1]
}

// comment wraps text into // lines of at most 77 columns. A parallel
// group's name, "[Web, Docs]", stays on one line.
func comment(text string) []string {
	var words []string
	for _, w := range strings.Fields(text) {
		if n := len(words); n > 0 && strings.Contains(words[n-1], "[") && !strings.Contains(words[n-1], "]") {
			words[n-1] += " " + w
			continue
		}
		words = append(words, w)
	}
	var lines []string
	line := "//"
	for _, w := range words {
		if len(line)+1+len(w) > 77 && line != "//" {
			lines = append(lines, line)
			line = "//"
		}
		line += " " + w
	}
	return append(lines, line)
}

func (r *renderer) qual(path string) string { return r.pl.names.qual(path) }

// typ writes t in the stub file, with the file's import names.
func (r *renderer) typ(t *dsl.Type) string {
	switch t.Kind {
	case dsl.SliceType:
		return "[]" + r.typ(t.Elem)
	case dsl.ArrayType:
		return fmt.Sprintf("[%d]%s", t.Len, r.typ(t.Elem))
	case dsl.MapType:
		return "map[" + r.typ(t.Key) + "]" + r.typ(t.Elem)
	case dsl.PointerType:
		return "*" + r.typ(t.Elem)
	}
	if t.Pkg != nil {
		return r.qual(t.Pkg.Path) + "." + t.Name
	}
	return t.Name
}

// zero writes the zero value of t: a literal where the type's kind is known,
// else *new(T), which is right for any type.
func (r *renderer) zero(t *dsl.Type) string {
	switch t.Kind {
	case dsl.SliceType, dsl.MapType, dsl.PointerType:
		return "nil"
	case dsl.ArrayType:
		return r.typ(t) + "{}"
	}
	var obj types.Object
	if t.Pkg != nil {
		for _, imp := range r.pl.pkg.types.Imports() {
			if imp.Path() == t.Pkg.Path {
				obj = imp.Scope().Lookup(t.Name)
			}
		}
	} else if obj = r.pl.pkg.types.Scope().Lookup(t.Name); obj == nil {
		obj = types.Universe.Lookup(t.Name)
	}
	if tn, ok := obj.(*types.TypeName); ok {
		switch u := types.Unalias(tn.Type()).Underlying().(type) {
		case *types.Struct, *types.Array:
			return r.typ(t) + "{}"
		case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature, *types.Interface:
			return "nil"
		default:
			if z := basicZero(u); z != "" {
				return z
			}
		}
	}
	return "*new(" + r.typ(t) + ")"
}

// basicZero is the zero literal of a basic type, or "".
func basicZero(t types.Type) string {
	b, ok := t.(*types.Basic)
	if !ok {
		return ""
	}
	switch {
	case b.Info()&types.IsBoolean != 0:
		return "false"
	case b.Info()&types.IsString != 0:
		return `""`
	case b.Info()&types.IsNumeric != 0:
		return "0"
	case b.Kind() == types.UnsafePointer:
		return "nil"
	}
	return ""
}
