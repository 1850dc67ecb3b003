package gotypes

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/digital-duck/picoflow-go/dsl"
)

// The resolver is tested here on packages type-checked in memory, without
// the go command, so that it runs in -short mode too; testdata/types runs
// the whole check, package loading included, through the CLI.

// check type-checks one file of Go source as the package path, with the
// given packages importable.
func check(t *testing.T, path, src string, deps map[string]*types.Package) *types.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path+".go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: importerFunc(func(p string) (*types.Package, error) {
		if pkg, ok := deps[p]; ok {
			return pkg, nil
		}
		return nil, fmt.Errorf("no package %s", p)
	})}
	pkg, err := conf.Check(path, fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

func TestResolve(t *testing.T) {
	model := check(t, "example.com/model", `package model

type User struct{ Name string }
type Handler func()
func NewUser() User { return User{} }
const Max = 3
`, nil)
	support := check(t, "example.com/support", `package support

import "example.com/model"

type Page struct{ Links []string }
type Key struct{ A, B string }
type Box[T any] struct{ V T }
type Number interface{ ~int | ~float64 }
type Ordered interface{ comparable; Less() bool }
type Plain interface{ String() string }
var Default = model.User{}
`, map[string]*types.Package{"example.com/model": model})
	imports := map[string]*packages.Package{
		"example.com/model": {Types: model},
		"example.com/gone":  {Errors: []packages.Error{{Msg: "no required module provides package example.com/gone", Kind: packages.ListError}}},
	}

	src := `package support

import "example.com/model"
import "example.com/gone"

store Ticket {
    a []Page
    b map[string]*Pgae
    c model.User
    d map[model.Usr]int
    e model.NewUser
    f model.Max
    g Default
    h map[Page]int
    i map[Key][]map[model.Handler]Plain
    j Box
    k []Number
    l Ordered
    n gone.A
    o gone.B
    p [2]strng
}

node A

flow F { start A }
`
	m, diags := dsl.Check("support.pico", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r := &resolver{pkg: &Package{Types: support, Imports: imports}, file: &File{Path: "support.pico", Model: m, Pkg: "support"}, broken: map[*dsl.Import]bool{}}
	r.model()
	want := `support.pico:4:1: could not import example.com/gone (no required module provides package example.com/gone)
support.pico:8:19: undefined: Pgae (package support); did you mean "Page"?
support.pico:10:17: undefined: model.Usr; did you mean "User"?
support.pico:11:13: model.NewUser is a function, not a type
support.pico:12:13: model.Max is a constant, not a type
support.pico:13:7: Default is a variable, not a type
support.pico:14:11: invalid map key type Page
support.pico:15:21: invalid map key type model.Handler
support.pico:16:7: cannot use generic type Box without instantiation
support.pico:17:9: cannot use type Number outside a type constraint: interface contains type constraints
support.pico:18:7: cannot use type Ordered outside a type constraint: interface is (or embeds) comparable
support.pico:21:10: undefined: strng (package support); did you mean "string"?`
	if got := r.diags.Sort().Error(); got != want {
		t.Errorf("diagnostics:\n%s\nwant\n%s", got, want)
	}
}

// TestResolveHandBuilt checks that a model built by hand, whose types carry
// Pos but not NamePos, is reported at Pos.
func TestResolveHandBuilt(t *testing.T) {
	support := check(t, "example.com/support", "package support\n", nil)
	at := dsl.Pos{Filename: "x.pico", Line: 3, Column: 7}
	m := &dsl.Model{Store: &dsl.Store{Name: "S", Fields: []*dsl.Field{
		{Name: "p", Type: &dsl.Type{Kind: dsl.NamedType, Name: "Page", Pos: at}},
	}}}
	r := &resolver{pkg: &Package{Types: support}, file: &File{Path: "x.pico", Model: m, Pkg: "support"}, broken: map[*dsl.Import]bool{}}
	r.model()
	if got, want := r.diags.Error(), "x.pico:3:7: undefined: Page (package support)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
