package gotypes

import (
	"fmt"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/digital-duck/picoflow-go/dsl"
)

// collisions reports each name that generated code would declare and that
// the package's own files declare already, at the .pico position that makes
// the name, with the Go position of the other declaration.
func (r *resolver) collisions() {
	m := r.file.Model
	for _, d := range m.Declared() {
		if pos, ok := r.pkg.Declared[d.Name]; ok {
			r.errorf(d.Pos, "%s would be generated as %s, which %s already declares", d.What, d.Name, r.where(pos))
		}
	}
	for recv, names := range m.Methods() {
		for _, name := range names {
			if pos, ok := r.pkg.Methods[recv][name]; ok {
				r.errorf(r.declPos(recv), "generated code declares method %s.%s, which %s declares too", recv, name, r.where(pos))
			}
		}
	}
}

// declPos is the .pico position of the store or flow called name.
func (r *resolver) declPos(name string) dsl.Pos {
	m := r.file.Model
	if m.Store != nil && m.Store.Name == name {
		return m.Store.Pos
	}
	for _, fl := range m.Flows {
		if fl.Name == name {
			return fl.Pos
		}
	}
	return dsl.Pos{Filename: r.file.Path, Line: 1, Column: 1}
}

// where names a Go position relative to the .pico's directory.
func (r *resolver) where(pos token.Pos) string {
	p := r.pkg.Fset.Position(pos)
	name := p.Filename
	if abs, err := filepath.Abs(filepath.Dir(r.file.Path)); err == nil {
		if rel, err := filepath.Rel(abs, name); err == nil {
			name = rel
		}
	}
	return fmt.Sprintf("%s:%d:%d", name, p.Line, p.Column)
}

// fitDefault reports a default that does not fit the named type of its
// field, whose underlying type only the package shows: as go build would,
// but at the .pico position of the default.
func (r *resolver) fitDefault(f *dsl.Field, t types.Type) {
	d := f.Default
	if d == nil || f.Type.Kind != dsl.NamedType || f.Type.IsDuration() || (f.Type.Pkg == nil && types.Universe.Lookup(f.Type.Name) != nil) {
		return // none, or checked by dsl.Check
	}
	b, ok := t.Underlying().(*types.Basic)
	if !ok {
		r.errorf(d.Pos, "cannot use %s as %s default: %s is no string, number or bool type", d.Go, f.Type, f.Type)
		return
	}
	if d.Kind == dsl.DurationLit && b.Info()&types.IsInteger == 0 {
		r.errorf(d.Pos, "cannot use %s as %s default: a duration needs a type based on an integer, and %s is based on %s", d.Go, f.Type, f.Type, b)
		return
	}
	if msg := d.Fits(b.Name()); msg != "" {
		r.errorf(d.Pos, "cannot use %s as %s default%s", d.Go, f.Type, msg)
	}
}

// fitMerge reports a merge rule that the named type of its field cannot
// take (sum needs a number, max and min a number or a string), which only
// the package shows: as go build would, at the rule.
func (r *resolver) fitMerge(f *dsl.Field, t types.Type) {
	if f.Type.Kind != dsl.NamedType || f.Type.Pkg == nil && types.Universe.Lookup(f.Type.Name) != nil {
		return // checked by dsl.Check
	}
	b, _ := t.Underlying().(*types.Basic)
	switch {
	case f.Merge == "sum" && (b == nil || b.Info()&types.IsNumeric == 0 || b.Info()&types.IsComplex != 0):
		r.errorf(f.MergePos, "merge sum needs a number field, and %s is based on %s", f.Type, t.Underlying())
	case (f.Merge == "max" || f.Merge == "min") && (b == nil || b.Info()&types.IsOrdered == 0):
		r.errorf(f.MergePos, "merge %s needs a number or string field, and %s is based on %s", f.Merge, f.Type, t.Underlying())
	}
}

// storable reports a store field whose Go type cannot round-trip through the
// JSON of a checkpoint, naming the part that cannot, at the field's type.
// Types with their own JSON or text encoding (time.Time, json.RawMessage)
// are trusted.
func (r *resolver) storable(f *dsl.Field, t types.Type) {
	s := &storeWalk{r: r, seen: map[types.Type]bool{}}
	if why := s.unstorable(t, f.Name); why != "" {
		r.errorf(f.Type.Pos, "a store field cannot hold %s: %s, which a checkpoint (JSON) cannot save and restore", f.Type, why)
		return
	}
	if s.lost != "" {
		r.diags = append(r.diags, &dsl.Diagnostic{Pos: f.Type.Pos, Warning: true,
			Msg: fmt.Sprintf("a checkpoint does not save %s: encoding/json writes only exported fields", s.lost)})
	}
}

// storeWalk walks the type of one store field.
type storeWalk struct {
	r    *resolver
	seen map[types.Type]bool
	lost string // the first unexported struct field found, by path
}

// unstorable says why t, reached by path, does not survive JSON, or "".
func (s *storeWalk) unstorable(t types.Type, path string) string {
	if s.seen[t] || encodes(t) {
		return ""
	}
	s.seen[t] = true
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsComplex != 0:
			return path + " is a complex number"
		case u.Kind() == types.UnsafePointer:
			return path + " is an unsafe.Pointer"
		}
	case *types.Chan:
		return path + " is a channel"
	case *types.Signature:
		return path + " is a function"
	case *types.Interface:
		return path + " is an interface"
	case *types.Pointer:
		return s.unstorable(u.Elem(), path)
	case *types.Slice:
		return s.unstorable(u.Elem(), path+"[i]")
	case *types.Array:
		return s.unstorable(u.Elem(), path+"[i]")
	case *types.Map:
		if k, ok := u.Key().Underlying().(*types.Basic); !textKey(u.Key()) && (!ok || k.Info()&(types.IsString|types.IsInteger) == 0) {
			return fmt.Sprintf("the keys of %s are %s", path, types.TypeString(u.Key(), types.RelativeTo(s.r.pkg.Types)))
		}
		return s.unstorable(u.Elem(), path+"[k]")
	case *types.Struct:
		for i := range u.NumFields() {
			fld := u.Field(i)
			tag := reflect.StructTag(u.Tag(i)).Get("json")
			if tag == "-" {
				continue // not saved, on purpose
			}
			if !fld.Exported() {
				if s.lost == "" && !fld.Embedded() {
					s.lost = path + "." + fld.Name()
				}
				continue
			}
			if why := s.unstorable(fld.Type(), path+"."+fld.Name()); why != "" {
				return why
			}
		}
	}
	return ""
}

// encodes reports whether values of t (or *t) encode and decode themselves,
// as JSON or as text.
func encodes(t types.Type) bool {
	return (hasMethod(t, "MarshalJSON") && hasMethod(t, "UnmarshalJSON")) || textKey(t)
}

// textKey reports whether t marshals to text and back, which also makes it a
// JSON object key.
func textKey(t types.Type) bool {
	return hasMethod(t, "MarshalText") && hasMethod(t, "UnmarshalText")
}

// hasMethod reports whether t or *t has a method called name.
func hasMethod(t types.Type, name string) bool {
	if _, ok := t.Underlying().(*types.Interface); ok {
		return false // an interface value's dynamic type decides, which JSON cannot restore
	}
	ms := types.NewMethodSet(types.NewPointer(t))
	for i := range ms.Len() {
		if m := ms.At(i).Obj(); m.Name() == name && !strings.HasPrefix(m.Name(), "_") {
			return true
		}
	}
	return false
}

// unusedFallbacks warns about a type of the package that implements a node
// and has an ExecFallback method while the node has no `fallback` setting:
// the flow never calls it, and nothing else would say so. A type that also
// serves a node with fallback uses its ExecFallback there.
func (r *resolver) unusedFallbacks() {
	scope := r.pkg.Types.Scope()
	ifaces := map[*dsl.Node]*types.Interface{}
	for _, n := range r.file.Model.Nodes {
		if obj, ok := scope.Lookup(n.Interface).(*types.TypeName); ok {
			if it, ok := obj.Type().Underlying().(*types.Interface); ok {
				ifaces[n] = it
			}
		}
	}
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() || types.IsInterface(tn.Type()) {
			continue
		}
		t := tn.Type()
		m, _, _ := types.LookupFieldOrMethod(t, true, r.pkg.Types, "ExecFallback")
		if _, isFunc := m.(*types.Func); !isFunc {
			continue // most types: nothing to warn about
		}
		var unused []*dsl.Node
		served := false
		for _, n := range r.file.Model.Nodes {
			it := ifaces[n]
			if it == nil || !types.Implements(t, it) && !types.Implements(types.NewPointer(t), it) {
				continue
			}
			if n.Fallback {
				served = true
				break
			}
			if n.Exec != nil {
				unused = append(unused, n)
			}
		}
		if served {
			continue
		}
		for _, n := range unused {
			r.diags = append(r.diags, &dsl.Diagnostic{Pos: n.Pos, Warning: true,
				Msg: fmt.Sprintf("%s.ExecFallback (%s) is never called: node %s has no fallback setting", tn.Name(), r.where(m.Pos()), n.Name)})
		}
	}
}
