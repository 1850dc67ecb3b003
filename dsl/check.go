package dsl

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/token"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/mod/module"
)

// Check parses and checks one .pico file. The model is nil when the
// diagnostics hold an error; warnings come with a model. Diagnostics are
// sorted by position.
func Check(filename string, src []byte) (*Model, Diagnostics) {
	s := newSource(filename, src)
	f, d := s.parse()
	if d != nil {
		return nil, Diagnostics{d}
	}
	c := &checker{
		src:     s,
		m:       &Model{Filename: filename, SourceHash: sourceHash(src)},
		decls:   map[string]Pos{},
		nodes:   map[string]*Node{},
		flows:   map[string]*Flow{},
		imports: map[string]*Import{},
		used:    map[*Import]bool{},
	}
	c.file(f)
	diags := c.diags.Sort()
	if diags.HasErrors() {
		// Warnings next to errors are mostly knock-on effects (a node
		// "not used" because its name was misspelled in a flow): show the
		// errors alone.
		errs := diags[:0]
		for _, d := range diags {
			if !d.Warning {
				errs = append(errs, d)
			}
		}
		return nil, errs
	}
	return c.m, diags
}

// sourceHash is the SHA-256 of src in hex.
func sourceHash(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:])
}

// checker turns a syntax tree into a Model, collecting every problem on the
// way rather than stopping at the first.
type checker struct {
	src   *source
	m     *Model
	diags Diagnostics

	decls   map[string]Pos // store, node and flow names share one namespace
	nodes   map[string]*Node
	flows   map[string]*Flow
	imports map[string]*Import // by the name types qualify with
	used    map[*Import]bool
	// badQualifier is set once a type names an unknown import.
	badQualifier bool
	// localTypes are the unqualified, not predeclared types written.
	localTypes []*Type

	declared  map[*Node]bool // nodes with an `actions` list
	members   map[*Flow]map[string]*Member
	memberPos map[*Member]Pos // where a member first appears in its flow
	// broken holds, per flow and source, the labels of edges whose target
	// did not resolve, so they are not reported as unrouted too.
	broken    map[*Flow]map[*Member]map[string]bool
	flowDecls map[*Flow]*astFlow
	// firstUse is where each node or flow is first used by any flow, for
	// "declared but not used" warnings.
	firstUse map[string]bool
	// cyclic marks flows on a subflow cycle: their outcomes are unknown, so
	// routing checks skip them rather than report knock-on errors.
	cyclic map[*Flow]bool
	// plain marks members used outside parallel groups (start, an edge's
	// source or target), which route their actions; groups holds each
	// flow's groups by name, with where each begins its exit and names its
	// members.
	plain    map[*Member]bool
	groups   map[*Flow]map[string]*Member
	exitPos  map[*Member]Pos
	groupPos map[*Member][]Pos
}

func (c *checker) errorf(p Pos, format string, args ...any) {
	c.diags = append(c.diags, &Diagnostic{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) warnf(p Pos, format string, args ...any) {
	c.diags = append(c.diags, &Diagnostic{Pos: p, Msg: fmt.Sprintf(format, args...), Warning: true})
}

func (c *checker) file(f *astFile) {
	var stores []*astStore
	var nodes []*astNode
	var flows []*astFlow
	var pkgPos Pos
	for _, d := range f.Decls {
		switch {
		case d.Package != nil:
			c.packageDecl(d.Package, &pkgPos)
		case d.Import != nil:
			c.importDecl(d.Import)
		case d.Store != nil:
			stores = append(stores, d.Store)
		case d.Node != nil:
			nodes = append(nodes, d.Node)
		case d.Flow != nil:
			flows = append(flows, d.Flow)
		}
	}

	if len(stores) == 0 {
		c.errorf(c.src.offsetPos(0), "no store declared: a .pico file needs exactly one store")
	}
	for i, sd := range stores {
		if i > 0 {
			first := c.src.pos(stores[0].Name.Pos)
			c.errorf(c.src.pos(sd.Name.Pos), "second store %q: a .pico file has exactly one store, first defined at %s", sd.Name.Value, first)
			continue
		}
		c.declare("store", sd.Name)
	}
	if len(stores) > 0 {
		c.m.Store = c.store(stores[0])
	}

	c.declared = map[*Node]bool{}
	for _, nd := range nodes {
		n := &Node{Pos: c.src.pos(nd.Name.Pos), Name: nd.Name.Value, Doc: c.src.doc(nd.Pos.Line)}
		c.settings(n, nd)
		if c.declare("node", nd.Name) {
			c.nodes[n.Name] = n
			c.m.Nodes = append(c.m.Nodes, n)
		}
	}
	c.flowDecls = map[*Flow]*astFlow{}
	for _, fd := range flows {
		fl := &Flow{Pos: c.src.pos(fd.Name.Pos), Name: fd.Name.Value, Doc: c.src.doc(fd.Pos.Line)}
		if c.declare("flow", fd.Name) {
			c.flows[fl.Name] = fl
			c.flowDecls[fl] = fd
			c.m.Flows = append(c.m.Flows, fl)
		}
	}

	c.firstUse = map[string]bool{}
	c.members = map[*Flow]map[string]*Member{}
	c.memberPos = map[*Member]Pos{}
	c.cyclic = map[*Flow]bool{}
	c.broken = map[*Flow]map[*Member]map[string]bool{}
	c.plain = map[*Member]bool{}
	c.groups = map[*Flow]map[string]*Member{}
	c.exitPos = map[*Member]Pos{}
	c.groupPos = map[*Member][]Pos{}
	for _, fl := range c.m.Flows {
		c.flowItems(fl, c.flowDecls[fl])
	}
	c.nodeActions()
	order := c.subflowOrder()
	for _, fl := range order {
		c.outcomes(fl)
	}
	for _, fl := range c.m.Flows {
		if !c.cyclic[fl] {
			c.routes(fl)
		}
	}
	for _, n := range c.m.Nodes {
		if !c.firstUse[n.Name] {
			c.warnf(n.Pos, "node %s is not used by any flow", n.Name)
		}
	}
	for _, imp := range c.m.Imports {
		// After a misspelled qualifier the import it meant looks unused.
		if !c.used[imp] && !c.badQualifier {
			c.errorf(imp.Pos, "%q imported and not used", imp.Path)
		}
	}
	c.goNames()
	c.storeTypes()
}

func (c *checker) packageDecl(pd *astPackage, first *Pos) {
	p := c.src.pos(pd.Name.Pos)
	if c.m.Package != "" {
		c.errorf(c.src.pos(pd.Pos), "duplicate package clause, first defined at %s", *first)
		return
	}
	name := pd.Name.Value
	switch {
	case token.IsKeyword(name):
		c.errorf(p, "package name %s is a Go keyword", name)
	case name == "_":
		c.errorf(p, "package name _ is not allowed")
	default:
		c.m.Package = name
		c.m.PackagePos = p
		*first = c.src.pos(pd.Pos)
	}
}

func (c *checker) importDecl(id *astImport) {
	pos := c.src.pos(id.Pos)
	path, err := strconv.Unquote(id.Path.Value)
	if err != nil || path == "" {
		c.errorf(c.src.pos(id.Path.Pos), "invalid import path %s", id.Path.Value)
		return
	}
	if err := module.CheckImportPath(path); err != nil {
		var ipe *module.InvalidPathError
		if errors.As(err, &ipe) {
			err = ipe.Err
		}
		c.errorf(c.src.pos(id.Path.Pos), "invalid import path %s: %v", id.Path.Value, err)
		return
	}
	if elems := strings.Split(path, "/"); !strings.Contains(elems[0], ".") && slices.Contains(elems, "internal") {
		c.errorf(c.src.pos(id.Path.Pos), "cannot import %s: an internal package of the standard library", id.Path.Value)
		return
	}
	if path == "C" {
		c.errorf(c.src.pos(id.Path.Pos), `import "C" is cgo's, which generated code cannot use`)
		return
	}
	imp := &Import{Pos: pos, Path: path}
	if id.Alias != nil {
		imp.Alias = id.Alias.Value
		imp.Name = imp.Alias
		if imp.Alias == "_" || imp.Alias == "." {
			c.errorf(c.src.pos(id.Alias.Pos), "import alias %s cannot be used here: store and node types need a package name", imp.Alias)
			return
		}
		if token.IsKeyword(imp.Alias) {
			c.errorf(c.src.pos(id.Alias.Pos), "import alias %s is a Go keyword", imp.Alias)
			return
		}
	} else if imp.Name = packageName(path); imp.Name == "" {
		c.errorf(c.src.pos(id.Path.Pos), "cannot tell the package name of %q; give the import an alias", path)
		return
	}
	if prev, ok := c.imports[imp.Name]; ok {
		c.errorf(pos, "%s redeclared: imported twice, first at %s", imp.Name, prev.Pos)
		return
	}
	c.imports[imp.Name] = imp
	c.m.Imports = append(c.m.Imports, imp)
}

// packageName guesses an import's package name from its path, as goimports
// does: the last element, without a major version, a "go-" prefix or a
// ".vN" / "-go" suffix. It returns "" when no identifier is left.
func packageName(path string) string {
	elems := strings.Split(path, "/")
	name := elems[len(elems)-1]
	if len(elems) > 1 && isMajorVersion(name) {
		name = elems[len(elems)-2]
	}
	name = strings.TrimPrefix(name, "go-")
	name = strings.TrimSuffix(name, "-go")
	if i := strings.LastIndex(name, ".v"); i > 0 && isMajorVersion(name[i+1:]) {
		name = name[:i]
	}
	if !token.IsIdentifier(name) {
		return ""
	}
	return name
}

func isMajorVersion(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	_, err := strconv.Atoi(s[1:])
	return err == nil
}

// declare enters a store, node or flow name into the shared namespace and
// reports whether it was new.
func (c *checker) declare(kind string, n *astName) bool {
	p := c.src.pos(n.Pos)
	switch {
	case reserved[n.Value]:
		c.errorf(p, "%s is a keyword and cannot be a %s name", n.Value, kind)
		return false
	case !unicode.IsUpper(rune(n.Value[0])):
		c.errorf(p, "%s name %q must start with an upper-case letter: it becomes an exported Go name", kind, n.Value)
	case kind != "store" && (n.Value == "Run" || n.Value == "Resume"):
		c.errorf(p, "%s name %s is reserved: flow structs have a method %s", kind, n.Value, n.Value)
	}
	if first, ok := c.decls[n.Value]; ok {
		c.errorf(p, "duplicate name %q, first defined at %s", n.Value, first)
		return false
	}
	c.decls[n.Value] = p
	return true
}

func (c *checker) store(sd *astStore) *Store {
	st := &Store{Pos: c.src.pos(sd.Name.Pos), Name: sd.Name.Value, Doc: c.src.doc(sd.Pos.Line)}
	names := map[string]Pos{}
	goNames := map[string]*Field{}
	for _, fd := range sd.Fields {
		p := c.src.pos(fd.Name.Pos)
		f := &Field{
			Pos:     p,
			Name:    fd.Name.Value,
			GoName:  goName(fd.Name.Value),
			Type:    c.typeExpr(fd.Type),
			Doc:     c.src.doc(fd.Pos.Line),
			Comment: c.src.trailing[fd.Pos.Line],
		}
		switch first, dup := names[f.Name]; {
		case dup:
			c.errorf(p, "duplicate field %q, first defined at %s", f.Name, first)
			continue
		case f.GoName == "":
			c.errorf(p, "field name %q cannot be made into a Go name: it needs a letter before any digit", f.Name)
			continue
		}
		names[f.Name] = p
		if other, ok := goNames[f.GoName]; ok {
			c.errorf(p, "fields %q and %q both become Go field %s; %q is defined at %s", other.Name, f.Name, f.GoName, other.Name, other.Pos)
			continue
		}
		goNames[f.GoName] = f
		if fd.Default != nil && f.Type != nil {
			f.Default = c.literal(fd.Default, f.Type)
		}
		if fd.Merge != nil && f.Type != nil {
			f.Merge, f.MergePos = c.mergeRule(fd.Merge, f.Type), c.src.pos(fd.Merge.Pos)
		}
		st.Fields = append(st.Fields, f)
	}
	return st
}

// mergeRules are the rules a field's merge may name, with what each needs.
var mergeRules = []string{"append", "sum", "max", "min", "union"}

// mergeRule checks a field's merge rule against its type t and returns it.
// A named type of the package or of an import may be anything: check -types
// or the compiler judges it.
func (c *checker) mergeRule(rule *astName, t *Type) string {
	p := c.src.pos(rule.Pos)
	opaque := t.Kind == NamedType && !predeclared[t.Name] && !t.IsDuration()
	numeric := t.Kind == NamedType && (numericTypes[t.Name] && t.Pkg == nil || t.IsDuration())
	switch rule.Value {
	case "append":
		if t.Kind != SliceType {
			c.errorf(p, "merge append needs a slice field, not %s: it keeps every member's appended elements", t)
			return ""
		}
	case "sum":
		if !numeric && !opaque {
			c.errorf(p, "merge sum needs a number field, not %s: it adds the members' changes", t)
			return ""
		}
	case "max", "min":
		if !numeric && !opaque && !(t.Kind == NamedType && t.Pkg == nil && t.Name == "string") {
			c.errorf(p, "merge %s needs a number or string field, not %s: it keeps the %s of the members' values", rule.Value, t, map[string]string{"max": "largest", "min": "smallest"}[rule.Value])
			return ""
		}
	case "union":
		if t.Kind != MapType {
			c.errorf(p, "merge union needs a map field, not %s: it keeps every member's keys", t)
			return ""
		}
	default:
		c.errorf(p, "unknown merge rule %q: want one of %s", rule.Value, strings.Join(mergeRules, ", "))
		return ""
	}
	return rule.Value
}

// numericTypes are the predeclared number types that sum, max and min take.
var numericTypes = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true, "uint": true, "uint8": true,
	"uint16": true, "uint32": true, "uint64": true, "uintptr": true, "float32": true, "float64": true,
	"byte": true, "rune": true,
}

// predeclared are Go's predeclared type names; any other unqualified name is
// a type of the generated package, which only the Go compiler can check.
var predeclared = map[string]bool{
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true, "complex128": true,
	"error": true, "float32": true, "float64": true, "int": true, "int8": true, "int16": true,
	"int32": true, "int64": true, "rune": true, "string": true, "uint": true, "uint8": true,
	"uint16": true, "uint32": true, "uint64": true, "uintptr": true,
}

// maxArrayElements bounds the elements of an array type, nested arrays
// multiplied: the Go compiler refuses a type larger than the address space,
// and a store's arrays are written out in every checkpoint.
const maxArrayElements = 1 << 31

// elements is the number of elements an array type lays out, counting the
// elements of arrays nested in it; more than maxArrayElements counts as
// maxArrayElements+1.
func elements(t *Type) int64 {
	if t.Kind != ArrayType {
		return 1
	}
	inner := elements(t.Elem)
	if t.Len != 0 && inner > maxArrayElements/t.Len {
		return maxArrayElements + 1
	}
	return t.Len * inner
}

// maxPhaseElements bounds the elements of an array that a phase passes by
// value (not behind a pointer, slice or map): generated code holds a few
// copies of each phase value on the stack, and Go refuses a stack frame
// over 1 GB.
const maxPhaseElements = 1 << 20

// phaseType resolves the type of a prep or exec setting.
func (c *checker) phaseType(te *astType) *Type {
	t := c.typeExpr(te)
	if t != nil && !c.byValue(t, "between phases") {
		return nil
	}
	return t
}

// byValue reports whether a value of type t may be passed by value, where
// says where, after reporting an array too large for it.
func (c *checker) byValue(t *Type, where string) bool {
	if t.Kind != ArrayType || elements(t) <= maxPhaseElements {
		return true
	}
	c.errorf(t.Pos, "array %s is too large to pass by value %s (more than %d elements): use a slice or a pointer", t, where, maxPhaseElements)
	return false
}

// typeExpr resolves a type expression; it returns nil after reporting an error.
func (c *checker) typeExpr(te *astType) *Type {
	t := &Type{Pos: c.src.pos(te.Pos)}
	switch {
	case te.Pointer != nil:
		t.Kind, t.Elem = PointerType, c.typeExpr(te.Pointer)
	case te.List != nil && te.List.Len == nil:
		t.Kind, t.Elem = SliceType, c.typeExpr(te.List.Elem)
	case te.List != nil:
		t.Kind, t.Elem = ArrayType, c.typeExpr(te.List.Elem)
		n, err := strconv.ParseInt(te.List.Len.Value, 0, 64)
		if err != nil || n < 0 {
			c.errorf(c.src.pos(te.List.Len.Pos), "invalid array length %s", te.List.Len.Value)
			return nil
		}
		t.Len = n
		if t.Elem != nil && elements(t) > maxArrayElements {
			c.errorf(c.src.pos(te.List.Len.Pos), "array %s is too large: a .pico array holds at most %d elements in all", t, maxArrayElements)
			return nil
		}
	case te.Map != nil:
		t.Kind, t.Key, t.Elem = MapType, c.typeExpr(te.Map.Key), c.typeExpr(te.Map.Elem)
		if t.Key == nil {
			return nil
		}
		if t.Key.Kind == SliceType || t.Key.Kind == MapType {
			c.errorf(t.Key.Pos, "invalid map key type %s: a map key must be comparable", t.Key)
			return nil
		}
	case te.Chan != nil:
		c.errorf(t.Pos, "a .pico names no channel types: a store field must survive a JSON checkpoint; for a phase, declare a named type in the package")
		return nil
	default:
		t.Kind = NamedType
		named := te.Named
		if named.Qualifier == nil {
			t.Name, t.NamePos = named.Name.Value, t.Pos
			if token.IsKeyword(t.Name) || t.Name == "_" {
				c.errorf(t.Pos, "%s is not a type name: it is a Go keyword or the blank identifier", t.Name)
				return nil
			}
			if t.Name == "comparable" {
				c.errorf(t.Pos, "comparable is a type constraint, not a type")
				return nil
			}
			if !predeclared[t.Name] {
				c.localTypes = append(c.localTypes, t)
			}
			return t
		}
		t.Name, t.NamePos = named.Name.Value, c.src.pos(named.Name.Pos)
		q := named.Qualifier
		imp, ok := c.imports[q.Value]
		if !ok {
			c.badQualifier = true
			c.errorf(c.src.pos(q.Pos), "undefined: %s (no import named %s)%s", q.Value, q.Value, suggest(q.Value, c.importNames()))
			return nil
		}
		c.used[imp] = true
		if !token.IsExported(t.Name) {
			c.errorf(t.NamePos, "%s.%s is not exported", q.Value, t.Name)
			return nil
		}
		t.Pkg = imp
		return t
	}
	if t.Elem == nil {
		return nil
	}
	return t
}

func (c *checker) importNames() []string {
	var names []string
	for _, imp := range c.m.Imports {
		names = append(names, imp.Name)
	}
	return names
}

func (c *checker) settings(n *Node, nd *astNode) {
	n.Attempts, n.Backoff, n.Parallel = 1, 1, 1
	seen := map[string]Pos{}
	var lastList *astSetting // the last actions list, for a missing comma
	for _, s := range nd.Settings {
		p := c.src.pos(s.Pos)
		key := s.key()
		if key == "" {
			name := s.Unknown.Value
			hint := suggest(name, settingNames)
			if to, ok := synonyms[name]; ok {
				hint = fmt.Sprintf("; did you mean %q?", to)
			}
			if lastList != nil && lastList.Pos.Line == s.Pos.Line && hint == "" {
				last := lastList.Names[len(lastList.Names)-1].Value
				c.errorf(p, "expected , between actions %s and %s: actions are separated by commas", last, name)
				continue
			}
			c.errorf(p, "unknown setting %q%s", name, hint)
			continue
		}
		if s.ListKey != "" {
			lastList = s
		}
		if first, ok := seen[key]; ok {
			c.errorf(p, "duplicate setting %q, first defined at %s", key, first)
			continue
		}
		seen[key] = p
		settingsByName[key].apply(c, n, s)
	}
	_, hasPrep := seen["prep"]
	_, hasExec := seen["exec"]
	if batch, ok := seen["batch"]; ok {
		switch {
		case !hasPrep:
			c.errorf(batch, "batch needs a slice prep type: Exec runs once per element")
		case n.Prep != nil && n.Prep.Kind != SliceType:
			c.errorf(n.Prep.Pos, "batch needs a slice prep type, not %s: Exec runs once per element", n.Prep)
		case !hasExec:
			c.errorf(batch, "batch needs an exec type: Exec runs once per element")
		}
		if n.Prep != nil && n.Prep.Kind == SliceType {
			c.byValue(n.Prep.Elem, "to Exec")
		}
	} else if p, ok := seen["parallel"]; ok {
		c.errorf(p, "parallel needs batch: only a batch node runs elements at once")
	}
	if p, ok := seen["fallback"]; ok && !hasExec {
		c.errorf(p, "fallback needs an exec type: ExecFallback stands in for a failed Exec")
	}
	if _, ok := seen["await"]; ok {
		// The answer comes from outside the run, where Exec would run: the
		// settings of Exec have nothing to act on.
		for _, name := range []string{"exec", "batch", "attempts", "wait", "backoff", "timeout", "parallel", "fallback"} {
			if p, ok := seen[name]; ok {
				c.errorf(p, "%s cannot go with await: the answer comes from outside the run, in place of Exec", name)
			}
		}
	}
}

// factor parses a multiplier of at least 1 (backoff).
func (c *checker) factor(num *astNum, what string, def float64) float64 {
	f, err := strconv.ParseFloat(num.Value, 64)
	switch {
	case err != nil || math.IsInf(f, 0) || math.IsNaN(f):
		c.errorf(c.src.pos(num.Pos), "%s must be a number, not %s", what, num.Value)
	case f < 1:
		c.errorf(c.src.pos(num.Pos), "%s must be at least 1, not %s", what, num.Value)
	default:
		return f
	}
	return def
}

// count parses a whole number setting of at least least.
func (c *checker) count(num *astNum, what string, least, def int) int {
	p := c.src.pos(num.Pos)
	n, err := strconv.Atoi(num.Value)
	switch {
	case errors.Is(err, strconv.ErrRange):
		c.errorf(p, "%s %s is too large", what, num.Value)
	case err != nil:
		c.errorf(p, "%s must be a whole number, not %s", what, num.Value)
	case n < least:
		c.errorf(p, "%s must be at least %d, not %d", what, least, n)
	default:
		return n
	}
	return def
}

// durationSyntax is time.ParseDuration's syntax, to tell a malformed
// duration from one too large for time.Duration.
var durationSyntax = regexp.MustCompile(`^([0-9]*(\.[0-9]*)?(ns|us|\x{B5}s|\x{3BC}s|ms|s|m|h))+$`)

func (c *checker) duration(num *astNum, what string) time.Duration {
	p := c.src.pos(num.Pos)
	d, err := time.ParseDuration(num.Value)
	switch {
	case err != nil && strings.Contains(err.Error(), "missing unit"):
		c.errorf(p, "%s needs a duration with a unit, such as 500ms or 2s, not %s", what, num.Value)
	case err != nil && durationSyntax.MatchString(num.Value):
		c.errorf(p, "%s %s is out of range: durations go up to about 2562047h", what, num.Value)
	case err != nil:
		c.errorf(p, "malformed duration %s: use Go duration syntax, such as 500ms or 1m30s", num.Value)
	case d < 0:
		c.errorf(p, "%s must not be negative", what)
	default:
		return d
	}
	return 0
}

func (c *checker) declaredActions(n *Node, names []*astName) {
	seen := map[string]Pos{}
	for _, a := range names {
		p := c.src.pos(a.Pos)
		if first, ok := seen[a.Value]; ok {
			c.errorf(p, "duplicate action %q, first defined at %s", a.Value, first)
			continue
		}
		seen[a.Value] = p
		if act := c.action(n.Name, a.Value, p); act != nil {
			n.Actions = append(n.Actions, act)
		}
	}
}

// action makes the Action named name of owner, or reports why it cannot be one.
func (c *checker) action(owner, name string, p Pos) *Action {
	if reserved[name] {
		c.errorf(p, "%s is a keyword and cannot be an action name", name)
		return nil
	}
	g := goName(name)
	if g == "" {
		c.errorf(p, "action name %q cannot be made into a Go name: it needs a letter before any digit", name)
		return nil
	}
	return &Action{Pos: p, Name: name, GoName: owner + g}
}
