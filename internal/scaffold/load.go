// Package scaffold writes what a Go package needs around its .pico files and
// does not have yet: stub implementations of the node interfaces (picoflow
// scaffold), and a whole starter module (picoflow init).
package scaffold

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/gotypes"
)

// Package is the Go package of one directory as the compiler will see it
// after go generate: loaded with the code generated from the current .pico
// files in place of their X.pico.go, which may be missing or stale.
type Package struct {
	dir   string // as given, to name files in notes
	abs   string
	fset  *token.FileSet
	types *types.Package
	// user are the named, non-interface, non-generic types declared outside
	// generated files: the candidates for implementing a node.
	user map[string]*types.TypeName
	// taken are the package-level names of every Go file in the directory,
	// test files and files for other platforms included, and the names
	// chosen by the plans made so far: a new declaration must avoid them all.
	taken map[string]bool
}

// Load loads the Go package in dir, whose .pico files srcs are, with the Go
// code generated from each in place of its X.pico.go. A package with type
// errors in user files still yields every declaration that did check.
func Load(dir string, srcs []*gotypes.File) (*Package, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	lp, err := gotypes.Load(dir, srcs)
	if err != nil {
		return nil, err
	}
	p := &Package{dir: dir, abs: abs, fset: lp.Fset, types: lp.Types, user: map[string]*types.TypeName{}, taken: map[string]bool{}}
	scope := p.types.Scope()
	for _, name := range scope.Names() {
		p.taken[name] = true
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() || p.generated(tn.Pos()) {
			continue
		}
		named, ok := tn.Type().(*types.Named)
		if !ok || named.TypeParams().Len() > 0 || types.IsInterface(named) {
			continue
		}
		p.user[name] = tn
	}
	if err := p.takeFileNames(); err != nil {
		return nil, err
	}
	return p, nil
}

// takeFileNames adds the top-level names of every Go file in the directory,
// which the package scope lacks for test files and for files that build
// constraints leave out on this platform.
func (p *Package) takeFileNames() error {
	entries, err := os.ReadDir(p.abs)
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	for _, ent := range entries {
		name := ent.Name()
		if ent.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".pico.go") {
			continue
		}
		// A file with syntax errors still names what parsed; one that
		// cannot be read names nothing, and the go command reports it.
		f, _ := parser.ParseFile(fset, filepath.Join(p.abs, name), nil, parser.SkipObjectResolution)
		if f == nil {
			continue
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					p.taken[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						p.taken[s.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range s.Names {
							p.taken[n.Name] = true
						}
					}
				}
			}
		}
	}
	return nil
}

// generated reports whether pos lies in a generated X.pico.go file.
func (p *Package) generated(pos token.Pos) bool {
	f := p.fset.File(pos)
	return f == nil || strings.HasSuffix(f.Name(), ".pico.go")
}

// where formats pos as FILE:LINE:COL with the file named as the user named
// the directory, ignoring //line directives.
func (p *Package) where(pos token.Pos) string {
	if !pos.IsValid() {
		return p.dir
	}
	at := p.fset.PositionFor(pos, false)
	name := at.Filename
	if filepath.Dir(name) == p.abs {
		name = filepath.Join(p.dir, filepath.Base(name))
	}
	return fmt.Sprintf("%s:%d:%d", name, at.Line, at.Column)
}

// iface returns the generated interface of node n, or nil.
func (p *Package) iface(n *dsl.Node) *types.Interface {
	tn, ok := p.types.Scope().Lookup(n.Name + "Node").(*types.TypeName)
	if !ok {
		return nil
	}
	it, _ := tn.Type().Underlying().(*types.Interface)
	return it
}

// implementers returns the user types that implement it, by value or only
// through a pointer, sorted by name.
func (p *Package) implementers(it *types.Interface) []implementer {
	var out []implementer
	for _, name := range slices.Sorted(maps.Keys(p.user)) {
		t := p.user[name].Type()
		switch {
		case types.Implements(t, it):
			out = append(out, implementer{name: name, named: t.(*types.Named)})
		case types.Implements(types.NewPointer(t), it):
			out = append(out, implementer{name: name, named: t.(*types.Named), ptr: true})
		}
	}
	return out
}

// implementer is a user type that implements a node interface.
type implementer struct {
	name  string
	named *types.Named
	ptr   bool // only *T implements it
}
