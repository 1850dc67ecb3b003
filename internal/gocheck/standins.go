package gocheck

import (
	"bytes"
	"cmp"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"math"
	"slices"
	"strings"

	"github.com/digital-duck/picoflow-go/dsl"
)

// world is what one generated file is checked against besides the real
// packages: stand-ins for its local types and fake imported packages.
type world struct {
	locals []local                   // declared in the stand-in file, by name
	fakes  map[string]*types.Package // by import path
}

// local is the stand-in of a local type.
type local struct {
	name  string
	under types.Type
}

// usage is what a .pico assumes of one type name.
type usage struct {
	name       string
	imp        *dsl.Import // nil for a local name
	comparable bool        // a map key, or inside one
	defaults   []*dsl.Literal
	// number and ordered say that a merge rule needs it: sum a number,
	// max and min an ordered type.
	number, ordered bool
}

// plan works out the stand-ins the types of m need. Names the generated
// file declares itself (the store, node interfaces, action types) and Go's
// predeclared types are real; so are the types of the real packages, which
// must be what the .pico assumes, as check -types requires.
func plan(m *dsl.Model, f *ast.File, std *stdlib) (*world, error) {
	uses := map[[2]string]*usage{} // by import path ("" for local) and name
	var order [][2]string
	var note func(t *dsl.Type, comparable bool, def *dsl.Literal)
	note = func(t *dsl.Type, comparable bool, def *dsl.Literal) {
		if t == nil {
			return
		}
		switch t.Kind {
		case dsl.NamedType:
			key := [2]string{"", t.Name}
			if t.Pkg != nil {
				key[0] = t.Pkg.Path
			} else if _, ok := types.Universe.Lookup(t.Name).(*types.TypeName); ok {
				return
			}
			u := uses[key]
			if u == nil {
				u = &usage{name: t.Name, imp: t.Pkg}
				uses[key] = u
				order = append(order, key)
			}
			u.comparable = u.comparable || comparable
			if def != nil {
				u.defaults = append(u.defaults, def)
			}
		case dsl.ArrayType:
			note(t.Elem, comparable, nil) // an array compares by its elements
		case dsl.MapType:
			note(t.Key, true, nil)
			note(t.Elem, false, nil)
		default: // a pointer key compares addresses; a slice cannot be a key
			note(t.Elem, false, nil)
		}
	}
	if m.Store != nil {
		for _, fd := range m.Store.Fields {
			note(fd.Type, false, fd.Default)
			key := [2]string{"", fd.Type.Name}
			if fd.Type.Pkg != nil {
				key[0] = fd.Type.Pkg.Path
			}
			if u := uses[key]; u != nil && fd.Type.Kind == dsl.NamedType {
				u.number = u.number || fd.Merge == "sum"
				u.ordered = u.ordered || fd.Merge == "max" || fd.Merge == "min"
			}
		}
	}
	for _, n := range m.Nodes {
		note(n.Prep, false, nil)
		note(n.Exec, false, nil)
		note(n.Await, false, nil)
	}

	declared := topLevel(f)
	w := &world{fakes: map[string]*types.Package{}}
	for _, key := range order {
		u := uses[key]
		switch {
		case u.imp == nil:
			if declared[u.name] {
				continue
			}
			under, err := standIn(u)
			if err != nil {
				return nil, err
			}
			w.locals = append(w.locals, local{u.name, under})
		case std.has(u.imp.Path):
			if err := checkReal(std, u); err != nil {
				return nil, err
			}
		default:
			pkg := w.fakes[u.imp.Path]
			if pkg == nil {
				pkg = types.NewPackage(u.imp.Path, fakeName(m, u.imp.Path))
				w.fakes[u.imp.Path] = pkg
			}
			under, err := standIn(u)
			if err != nil {
				return nil, err
			}
			tn := types.NewTypeName(token.NoPos, pkg, u.name, nil)
			types.NewNamed(tn, under, nil)
			pkg.Scope().Insert(tn)
		}
	}
	for _, pkg := range w.fakes {
		pkg.MarkComplete()
	}
	slices.SortFunc(w.locals, func(a, b local) int { return cmp.Compare(a.name, b.name) })
	return w, nil
}

// localSource is the stand-in file for the local types, in package pkg.
func (w *world) localSource(pkg string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "package %s\n\n// Stand-ins for the local types the .pico names.\n\n", pkg)
	for _, l := range w.locals {
		fmt.Fprintf(&b, "type %s %s\n", l.name, types.TypeString(l.under, nil))
	}
	return b.Bytes()
}

// Stand-in underlying types, as small and as incapable as each use
// allows, so that what type-checks with them does with any type the .pico
// could mean. The structs have no size, so that a type found too large is
// too large whatever the user's types are; the opaque one is not
// comparable, so that == on a type the .pico cannot see into fails.
var (
	opaque           = types.NewStruct([]*types.Var{types.NewField(token.NoPos, nil, "_", types.NewArray(types.NewSignatureType(nil, nil, nil, nil, nil, false), 0), false)}, nil)
	comparableStruct = types.NewStruct(nil, nil)
	// basics holds the types a default can have, smallest first: a
	// default of 2 makes an int8, of 300 an int16, of 1 and 2.5 a float32.
	basics = []*types.Basic{
		types.Typ[types.Bool], types.Typ[types.String],
		types.Typ[types.Int8], types.Typ[types.Uint8], types.Typ[types.Int16], types.Typ[types.Uint16],
		types.Typ[types.Int32], types.Typ[types.Uint32], types.Typ[types.Int64], types.Typ[types.Uint64],
		types.Typ[types.Float32], types.Typ[types.Float64],
	}
)

// standIn chooses the underlying type of a stand-in: the first of basics
// that holds all of its defaults (int64 for a duration), when it has any;
// else a comparable struct for a map key, and an opaque struct otherwise.
func standIn(u *usage) (types.Type, error) {
	// A merge rule's type is a basic one: the rule needs + or <.
	fits := func(b *types.Basic) bool {
		return (!u.number || b.Info()&types.IsNumeric != 0) && (!u.ordered || b.Info()&types.IsOrdered != 0)
	}
	if len(u.defaults) == 0 {
		switch {
		case u.number:
			return types.Typ[types.Int8], nil
		case u.ordered:
			return types.Typ[types.String], nil
		case u.comparable:
			return comparableStruct, nil
		}
		return opaque, nil
	}
	var vals []constant.Value
	duration := false
	for _, d := range u.defaults {
		if d.Kind == dsl.DurationLit {
			// A count of nanoseconds, for a type based on int64 as
			// time.Duration is.
			vals = append(vals, constant.MakeInt64(int64(d.Duration)))
			duration = true
			continue
		}
		tv, err := types.Eval(token.NewFileSet(), nil, token.NoPos, d.Go)
		if err != nil || tv.Value == nil {
			// Not a Go constant: a kind of default this package does not
			// know yet. Loud, so that it is taught, rather than skipped.
			return nil, fmt.Errorf("gocheck: %s: default %s of %s is not a constant gocheck can evaluate", d.Pos, d.Go, qualified(u))
		}
		vals = append(vals, tv.Value)
	}
	for _, b := range basics {
		if duration && b.Kind() != types.Int64 || !fits(b) {
			continue
		}
		if !slices.ContainsFunc(vals, func(v constant.Value) bool { return !holds(b, v) }) {
			return b, nil
		}
	}
	var lits []string
	for _, d := range u.defaults {
		lits = append(lits, d.Go)
	}
	return nil, fmt.Errorf("%w: no basic type holds the defaults %s of %s", ErrNoStandIn, strings.Join(lits, ", "), qualified(u))
}

// holds reports whether the constant v can be assigned to a variable of
// type b, as the Go spec's representability rules say.
func holds(b *types.Basic, v constant.Value) bool {
	switch {
	case b.Kind() == types.Bool:
		return v.Kind() == constant.Bool
	case b.Kind() == types.String:
		return v.Kind() == constant.String
	case v.Kind() != constant.Int && v.Kind() != constant.Float:
		return false
	case b.Info()&types.IsInteger != 0:
		i := constant.ToInt(v)
		if i.Kind() != constant.Int {
			return false // not a whole number
		}
		size := 8 * sizes.Sizeof(b)
		lo, hi := constant.MakeInt64(0), constant.Shift(constant.MakeInt64(1), token.SHL, uint(size))
		if b.Info()&types.IsUnsigned == 0 {
			hi = constant.Shift(constant.MakeInt64(1), token.SHL, uint(size-1))
			lo = constant.UnaryOp(token.SUB, hi, 0)
		}
		return constant.Compare(i, token.GEQ, lo) && constant.Compare(i, token.LSS, hi)
	case b.Kind() == types.Float32:
		f, _ := constant.Float32Val(v)
		return !math.IsInf(float64(f), 0)
	default:
		f, _ := constant.Float64Val(v)
		return !math.IsInf(f, 0)
	}
}

// checkReal checks that a name of a real package is what the .pico assumes, as
// check -types does; when it is not, no generated code can compile.
// Defaults are not checked: the type checker reports a wrong one, and
// check -types does not look at them.
func checkReal(std *stdlib, u *usage) error {
	pkg, err := std.importPath(u.imp.Path)
	if err != nil {
		return err
	}
	tn, ok := pkg.Scope().Lookup(u.name).(*types.TypeName)
	switch {
	case !ok || !tn.Exported():
		return fmt.Errorf("%w: %s is not an exported type of %s", ErrNoStandIn, qualified(u), u.imp.Path)
	case isGeneric(tn.Type()):
		return fmt.Errorf("%w: %s is generic", ErrNoStandIn, qualified(u))
	case isConstraint(tn.Type()):
		return fmt.Errorf("%w: %s is a constraint", ErrNoStandIn, qualified(u))
	case u.comparable && !types.Comparable(tn.Type()):
		return fmt.Errorf("%w: %s is not comparable, but a map key", ErrNoStandIn, qualified(u))
	}
	return nil
}

func isGeneric(t types.Type) bool {
	tp, ok := t.(interface{ TypeParams() *types.TypeParamList })
	return ok && tp.TypeParams().Len() > 0
}

func isConstraint(t types.Type) bool {
	iface, ok := types.Unalias(t).Underlying().(*types.Interface)
	return ok && !iface.IsMethodSet()
}

// fakeName is the package name of a fake package: the name the .pico
// gives an import of path without an alias, which generated code then
// uses without one; else one that no alias is, so that code relying on
// the package's own name where an alias is due fails.
func fakeName(m *dsl.Model, path string) string {
	aliases := map[string]bool{}
	for _, imp := range m.Imports {
		if imp.Path == path {
			if imp.Alias == "" {
				return imp.Name
			}
			aliases[imp.Alias] = true
		}
	}
	name := "standin"
	for aliases[name] {
		name += "_"
	}
	return name
}

// topLevel lists the names a file declares at package level.
func topLevel(f *ast.File) map[string]bool {
	names := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				names[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					names[s.Name.Name] = true
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names[n.Name] = true
					}
				}
			}
		}
	}
	return names
}

func qualified(u *usage) string {
	if u.imp == nil {
		return u.name
	}
	return u.imp.Name + "." + u.name
}
