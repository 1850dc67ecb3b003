// Package gotypes checks the Go types that .pico files name against the Go
// package their code is generated into: each local name must be a type of
// that package, each qualified name an exported type of the imported package,
// and each map key type comparable. It reports problems at the .pico position
// of the name, as the checker does, before go build would report them.
package gotypes

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/digital-duck/picoflow-go/codegen"
	"github.com/digital-duck/picoflow-go/dsl"
)

// File is a .pico file that checked cleanly, with the Go package its code is
// generated into.
type File struct {
	Path  string // the .pico file, as diagnostics name it
	Model *dsl.Model
	Pkg   string // the Go package name of the generated code
}

// LoadError says that the Go package of a directory could not be loaded at
// all, so no type could be checked.
type LoadError struct {
	Dir string
	Err string
}

func (e *LoadError) Error() string {
	return "cannot load the Go package in " + e.Dir + ": " + e.Err
}

// Package is the Go package of a directory as the compiler will see it
// after go generate.
type Package struct {
	Fset  *token.FileSet
	Types *types.Package
	// Imports are the packages it imports, by import path (and, for one
	// the go command could not find, by the ID it gave it).
	Imports map[string]*packages.Package
	// Declared holds the package-level names that the package's own files
	// (not the generated ones) declare, and Methods their methods by
	// receiver type name: the names generated code must not declare too.
	Declared map[string]token.Pos
	Methods  map[string]map[string]token.Pos
}

// Load type-checks the Go package in dir, which holds every file of files.
// The generated file of each .pico in dir is replaced by code freshly
// generated from its .pico, so that a stale, broken or missing generated
// file can neither hide a problem nor cause one, while the names the
// generated code declares (the store, node interfaces) resolve. The
// package's own type errors are left to the compiler: every declaration
// that type-checks is there. The error is a *LoadError when the package
// cannot be loaded at all.
//
// The package itself is type-checked from source, but its imports come
// from the go command's export data (go list -export, built once and then
// cached): loading with an overlay instead would make go/packages
// type-check every dependency from source, which takes seconds in a module
// with large dependencies.
func Load(dir string, files []*File) (pkg *Package, err error) {
	if len(files) == 0 {
		return nil, &LoadError{Dir: dir, Err: "no .pico file to load the package of"}
	}
	defer func() {
		// go/types is built not to panic on ill-typed code, but a user's
		// package can be anything, and no input may crash picoflow.
		if p := recover(); p != nil {
			pkg, err = nil, &LoadError{Dir: dir, Err: fmt.Sprintf("the type checker failed: %v", p)}
		}
	}()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, &LoadError{Dir: dir, Err: err.Error()}
	}
	srcs, fresh, err := sources(abs, files)
	if err != nil {
		return nil, &LoadError{Dir: dir, Err: err.Error()}
	}
	fset := token.NewFileSet()
	var syntax []*ast.File
	var paths []string
	declared, methods := map[string]token.Pos{}, map[string]map[string]token.Pos{}
	for _, name := range slices.Sorted(maps.Keys(srcs)) {
		// A file with syntax errors still declares what parsed: the
		// compiler, not this check, reports the errors.
		f, _ := parser.ParseFile(fset, name, srcs[name], parser.SkipObjectResolution)
		if f == nil {
			continue
		}
		syntax = append(syntax, f)
		if !fresh[name] {
			declarations(f, declared, methods)
		}
		for _, spec := range f.Imports {
			if path, err := strconv.Unquote(spec.Path.Value); err == nil && path != "C" && !slices.Contains(paths, path) {
				paths = append(paths, path)
			}
		}
	}
	imports := map[string]*packages.Package{}
	if len(paths) > 0 {
		cfg := &packages.Config{Mode: packages.NeedName | packages.NeedImports | packages.NeedTypes, Dir: abs}
		pkgs, err := packages.Load(cfg, paths...)
		if err != nil {
			return nil, &LoadError{Dir: dir, Err: goError(err)}
		}
		for _, p := range pkgs {
			imports[p.PkgPath] = p
			imports[p.ID] = p
		}
	}
	conf := types.Config{
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if p := imports[path]; p != nil && p.Types != nil && !slices.ContainsFunc(p.Errors, fatal) {
				return p.Types, nil
			}
			return nil, fmt.Errorf("could not import %s", path)
		}),
		FakeImportC: true,
		Error:       func(error) {}, // the compiler's business; keep going
	}
	tp, _ := conf.Check(files[0].Pkg, fset, syntax, nil)
	return &Package{Fset: fset, Types: tp, Imports: imports, Declared: declared, Methods: methods}, nil
}

// declarations adds the package-level names and methods that f declares.
func declarations(f *ast.File, names map[string]token.Pos, methods map[string]map[string]token.Pos) {
	add := func(id *ast.Ident) {
		if id.Name != "_" {
			if _, ok := names[id.Name]; !ok {
				names[id.Name] = id.Pos()
			}
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil || len(d.Recv.List) == 0 {
				if d.Name.Name != "init" {
					add(d.Name)
				}
				continue
			}
			recv := receiverName(d.Recv.List[0].Type)
			if methods[recv] == nil {
				methods[recv] = map[string]token.Pos{}
			}
			methods[recv][d.Name.Name] = d.Name.Pos()
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					add(spec.Name)
				case *ast.ValueSpec:
					for _, id := range spec.Names {
						add(id)
					}
				}
			}
		}
	}
}

// receiverName is the type name of a method's receiver: T of T, *T, T[P].
func receiverName(x ast.Expr) string {
	for {
		switch e := x.(type) {
		case *ast.StarExpr:
			x = e.X
		case *ast.ParenExpr:
			x = e.X
		case *ast.IndexExpr:
			x = e.X
		case *ast.IndexListExpr:
			x = e.X
		case *ast.Ident:
			return e.Name
		default:
			return ""
		}
	}
}

// Check loads the Go package in dir, as Load does, and resolves every type
// the models of files name, reporting each problem at its .pico position.
func Check(dir string, files []*File) (dsl.Diagnostics, error) {
	if len(files) == 0 {
		return nil, nil
	}
	pkg, err := Load(dir, files)
	if err != nil {
		return nil, err
	}
	var diags dsl.Diagnostics
	for _, f := range files {
		r := &resolver{pkg: pkg, file: f, broken: map[*dsl.Import]bool{}}
		r.model()
		r.collisions()
		r.unusedFallbacks()
		diags = append(diags, r.diags...)
	}
	return diags.Sort(), nil
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// sources returns the Go files of the package in dir, by name: the files
// the go command would build (build constraints apply; not test files),
// with the generated file of each .pico of dir in its fresh form (one whose
// .pico is gone is an ordinary Go file to go build, and kept as is). The
// generated file of a .pico that is not among files (a run that names one
// file of a package) is generated quietly; when that .pico has errors, it
// counts as empty. Files of another package than the .pico's are an error,
// as they are for go build.
func sources(dir string, files []*File) (srcs map[string][]byte, fresh map[string]bool, err error) {
	pkg := files[0].Pkg
	srcs, fresh = map[string][]byte{}, map[string]bool{}
	for _, f := range files {
		path, err := filepath.Abs(f.Path)
		if err != nil {
			return nil, nil, err
		}
		if ignored(filepath.Base(path)) {
			continue // nor does go build see its generated file
		}
		if src, err := codegen.Generate(f.Model, codegen.Options{Package: f.Pkg}); err == nil {
			srcs[path+".go"] = src
			fresh[path+".go"] = true
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	fset := token.NewFileSet()
	for _, ent := range entries {
		name, path := ent.Name(), filepath.Join(dir, ent.Name())
		switch {
		case ent.IsDir():
		case strings.HasSuffix(name, ".pico"):
			if _, done := srcs[path+".go"]; !done && !ignored(name) {
				if src := sibling(path, pkg); src != nil {
					srcs[path+".go"] = src
					fresh[path+".go"] = true
				}
			}
		case strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go"):
			if match, err := build.Default.MatchFile(dir, name); err != nil || !match {
				continue
			}
			if strings.HasSuffix(name, ".temporal.go") {
				// The Temporal file of a .pico declares only names the checker
				// reserves, and needs the Temporal adapter's module.
				if _, err := os.Stat(strings.TrimSuffix(path, ".temporal.go") + ".pico"); err == nil {
					continue
				}
			}
			if strings.HasSuffix(name, ".pico.go") {
				if _, err := os.Stat(strings.TrimSuffix(path, ".go")); err == nil {
					continue // generated afresh above
				}
				// Its .pico is gone, but go build still compiles it.
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return nil, nil, err
			}
			if f, err := parser.ParseFile(fset, path, src, parser.PackageClauseOnly); err == nil && f.Name.Name != pkg {
				return nil, nil, fmt.Errorf("found packages %s (%s) and %s (%s)", pkg, filepath.Base(files[0].Path), f.Name.Name, name)
			}
			srcs[path] = src
		}
	}
	return srcs, fresh, nil
}

// ignored reports whether the go command ignores a file of this name.
func ignored(name string) bool { return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") }

// sibling is the generated code of the .pico at path, in package pkg, or
// nil when the .pico does not check or names another package.
func sibling(path, pkg string) []byte {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	m, diags := dsl.Check(path, src)
	if diags.HasErrors() || m.Package != "" && m.Package != pkg {
		return nil
	}
	out, err := codegen.Generate(m, codegen.Options{Package: pkg})
	if err != nil {
		return nil
	}
	return out
}

// fatal reports whether e kept a package from loading, rather than being a
// parse or type error, or compiler output ("# path" then the errors) of go
// list building it, after which the package still declares its names.
func fatal(e packages.Error) bool {
	switch e.Kind {
	case packages.ParseError, packages.TypeError:
		return false
	}
	return !strings.HasPrefix(e.Msg, "# ")
}

// goError is the go command's own message in err, on one line, without
// go/packages' account of how it ran the command.
func goError(err error) string {
	msg := err.Error()
	if _, stderr, ok := strings.Cut(msg, "stderr: "); ok && strings.TrimSpace(stderr) != "" {
		msg = stderr
	}
	return strings.Join(strings.Fields(msg), " ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// resolver checks the types of one .pico file.
type resolver struct {
	pkg    *Package // its scope and imports resolve the names
	file   *File
	diags  dsl.Diagnostics
	broken map[*dsl.Import]bool // imports already reported as not loadable
}

func (r *resolver) errorf(p dsl.Pos, format string, args ...any) {
	r.diags = append(r.diags, &dsl.Diagnostic{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

// model checks every type the model names: store fields and the prep,
// exec and await types of nodes (a batch node's element type is inside its
// prep).
func (r *resolver) model() {
	m := r.file.Model
	if m.Store != nil {
		for _, f := range m.Store.Fields {
			if t := r.typ(f.Type); t != nil {
				r.storable(f, t)
				r.fitDefault(f, t)
				r.fitMerge(f, t)
			}
		}
	}
	for _, n := range m.Nodes {
		for _, t := range []*dsl.Type{n.Prep, n.Exec, n.Await} {
			if t != nil {
				r.typ(t)
			}
		}
	}
}

// typ resolves t to a Go type, reporting what does not resolve; it returns
// nil when some part of t did not, so that no knock-on error follows.
func (r *resolver) typ(t *dsl.Type) types.Type {
	switch t.Kind {
	case dsl.SliceType:
		if elem := r.typ(t.Elem); elem != nil {
			return types.NewSlice(elem)
		}
	case dsl.ArrayType:
		if elem := r.typ(t.Elem); elem != nil {
			return types.NewArray(elem, t.Len)
		}
	case dsl.PointerType:
		if elem := r.typ(t.Elem); elem != nil {
			return types.NewPointer(elem)
		}
	case dsl.MapType:
		key, elem := r.typ(t.Key), r.typ(t.Elem)
		if key == nil || elem == nil {
			return nil
		}
		if !types.Comparable(key) {
			// As go/types words it, at the key: == must work on keys.
			r.errorf(t.Key.Pos, "invalid map key type %s", t.Key)
			return nil
		}
		return types.NewMap(key, elem)
	case dsl.NamedType:
		return r.named(t)
	}
	return nil
}

// named resolves a type name: a qualified one in its imported package, a
// local one in the package scope, then among Go's predeclared types.
func (r *resolver) named(t *dsl.Type) types.Type {
	pos := t.NamePos
	if pos.Line == 0 {
		pos = t.Pos // a model built by hand
	}
	var obj types.Object
	if t.Pkg != nil {
		ip := r.imported(t.Pkg)
		if ip == nil {
			return nil
		}
		obj = ip.Scope().Lookup(t.Name)
		if obj == nil || !obj.Exported() {
			r.errorf(pos, "undefined: %s%s", t, dsl.Suggest(t.Name, typeNames(ip.Scope(), true)))
			return nil
		}
	} else {
		if obj = r.pkg.Types.Scope().Lookup(t.Name); obj == nil {
			obj = types.Universe.Lookup(t.Name)
		}
		if obj == nil {
			names := append(typeNames(r.pkg.Types.Scope(), false), typeNames(types.Universe, false)...)
			r.errorf(pos, "undefined: %s (package %s)%s", t.Name, r.file.Pkg, dsl.Suggest(t.Name, names))
			return nil
		}
	}
	tn, ok := obj.(*types.TypeName)
	if !ok {
		if what := kind(obj); what != "" {
			r.errorf(pos, "%s is %s, not a type", t, what)
		} else {
			r.errorf(pos, "%s is not a type", t)
		}
		return nil
	}
	typ := tn.Type()
	if tp, ok := typ.(interface{ TypeParams() *types.TypeParamList }); ok && tp.TypeParams().Len() > 0 {
		// The .pico has no syntax for type arguments.
		r.errorf(pos, "cannot use generic type %s without instantiation", t)
		return nil
	}
	if iface, ok := types.Unalias(typ).Underlying().(*types.Interface); ok && !iface.IsMethodSet() {
		why := "interface is (or embeds) comparable"
		if hasTerms(iface) {
			why = "interface contains type constraints"
		}
		r.errorf(pos, "cannot use type %s outside a type constraint: %s", t, why)
		return nil
	}
	return typ
}

// hasTerms reports whether iface or an interface it embeds lists types
// (~int | float64): a constraint for what it holds, not for comparable.
func hasTerms(iface *types.Interface) bool {
	for i := range iface.NumEmbeddeds() {
		e, ok := iface.EmbeddedType(i).Underlying().(*types.Interface)
		if !ok || hasTerms(e) {
			return true
		}
	}
	return false
}

// imported returns the package an import of the .pico names, or nil after
// reporting, once, at the import, why it could not be loaded.
func (r *resolver) imported(imp *dsl.Import) *types.Package {
	ip := r.pkg.Imports[imp.Path]
	// A package with parse or type errors still declares its names; one
	// that go list could not find or read declares none.
	why := "not found"
	if ip != nil {
		i := slices.IndexFunc(ip.Errors, fatal)
		if i < 0 && ip.Types != nil {
			return ip.Types
		}
		if i >= 0 {
			why = firstLine(ip.Errors[i].Msg)
		}
	}
	if !r.broken[imp] {
		r.broken[imp] = true
		r.errorf(imp.Pos, "could not import %s (%s)", imp.Path, why)
	}
	return nil
}

// typeNames lists the type names of scope, for suggestions: only the
// exported ones when another package's scope is searched.
func typeNames(scope *types.Scope, exported bool) []string {
	var names []string
	for _, name := range scope.Names() {
		if tn, ok := scope.Lookup(name).(*types.TypeName); ok && (!exported || tn.Exported()) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// kind describes what obj declares, for "X is a function, not a type".
func kind(obj types.Object) string {
	switch obj.(type) {
	case *types.Const:
		return "a constant"
	case *types.Var:
		return "a variable"
	case *types.Func:
		return "a function"
	case *types.PkgName:
		return "a package"
	case *types.Builtin:
		return "a built-in function"
	}
	return "" // nil
}
