// Package gocheck type-checks the Go that codegen generates from one .pico
// file and runs go vet's analyzers on it, in process and without a module on
// disk, so that a test can show for every input the checker accepts that
// the generated file compiles and vets.
//
// The standard library and the picoflow runtime are the real ones, read
// from the go command's export data once per process. Every other type the
// .pico names gets a stand-in: a declaration in an extra file of the
// generated package for a local name, and a fake package at the import
// path for a qualified one. Each stand-in is the least capable type that
// fits how the .pico uses the name (see standIn), so that code which
// type-checks against the stand-ins type-checks against any real types the
// .pico could mean.
//
// Besides go/types and vet, Check reports what keeps a file that
// type-checks from building everywhere: a build constraint, cgo, an
// internal package of the standard library, a type or a stack frame too
// large for gc, and directives that codegen did not write. Of gc's frame
// limit it sees only what arguments show, not locals.
package gocheck

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/digital-duck/picoflow-go/dsl"
)

// GoVersion is the language version generated code is checked at: the go
// directive of this module, the oldest Go that can build the runtime.
const GoVersion = "go1.24"

// ErrNoStandIn says that no Go declarations can give the types a .pico
// names the properties it assumes: defaults that no one basic type holds,
// or a name in the standard library or runtime that is not a type usable
// there. Only the Go compiler (or picoflow check -types) can judge such a
// file, so it proves nothing about the generator.
var ErrNoStandIn = errors.New("no stand-in types fit the .pico")

// Error lists what is wrong with a generated file: parse and type errors,
// vet findings, and what else go build would refuse.
type Error struct {
	Problems []Problem
	// StandIns is the extra file of stand-in declarations the generated
	// file was checked with, for the reader of a failure.
	StandIns []byte
}

// Problem is one error at a position in the generated file (or, for a
// clash with a stand-in, in the stand-in file).
type Problem struct {
	Pos token.Position // in the generated file itself, //line ignored
	// Line is Pos as a //line directive of the generated file maps it (a
	// .pico position), or the zero Position when no directive applies.
	Line     token.Position
	Analyzer string // the vet analyzer that reported it; "" for the compiler
	Msg      string
}

func (p Problem) String() string {
	s := p.Pos.String()
	if p.Line.IsValid() {
		s += " (" + p.Line.String() + ")"
	}
	s += ": "
	if p.Analyzer != "" {
		s += "vet " + p.Analyzer + ": "
	}
	return s + p.Msg
}

func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	if len(e.StandIns) > 0 {
		b.WriteString("\nstand-ins:\n")
		b.Write(e.StandIns)
	}
	return b.String()
}

// Check type-checks src, the code codegen generated from m, as the file
// filename of its package, with the stand-ins m's types need, and runs go
// vet's analyzers on it when it type-checks. It returns nil, an *Error, an
// error wrapping ErrNoStandIn, or an error loading the standard library.
func Check(m *dsl.Model, filename string, src []byte) error {
	std, err := loadStd()
	if err != nil {
		return err
	}
	std.mu.Lock()
	defer std.mu.Unlock()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		var list scanner.ErrorList
		if !errors.As(err, &list) {
			return err
		}
		e := &Error{}
		for _, pe := range list {
			// The parser reports positions as //line directives map them;
			// the offset is the file's own.
			p := Problem{Pos: pe.Pos, Msg: pe.Msg}
			p.Pos.Filename = filename
			p.Pos.Line = 1 + bytes.Count(src[:pe.Pos.Offset], []byte("\n"))
			p.Pos.Column = pe.Pos.Offset - bytes.LastIndexByte(src[:pe.Pos.Offset], '\n')
			if p.Pos != pe.Pos {
				p.Line = pe.Pos
			}
			e.Problems = append(e.Problems, p)
		}
		return e
	}
	e := &Error{Problems: fileProblems(fset, f, std)}
	e.Problems = append(e.Problems, directives(fset, f, m, filename)...)

	w, err := plan(m, f, std)
	if err != nil {
		return err
	}
	files := []*ast.File{f}
	if len(w.locals) > 0 {
		e.StandIns = w.localSource(f.Name.Name)
		sf, err := parser.ParseFile(fset, standInFile(filename), e.StandIns, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("gocheck: stand-ins do not parse: %v\n%s", err, e.StandIns)
		}
		files = append(files, sf)
	}

	info := &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Instances:    map[*ast.Ident]types.Instance{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		Scopes:       map[ast.Node]*types.Scope{},
		FileVersions: map[*ast.File]string{},
	}
	conf := types.Config{
		GoVersion: GoVersion,
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if p := w.fakes[path]; p != nil {
				return p, nil
			}
			return std.importPath(path)
		}),
		Sizes: sizes,
		// A file that imports "C" is reported above; checking the rest
		// of it still finds whatever else is wrong.
		FakeImportC: true,
		Error: func(err error) {
			te := err.(types.Error)
			e.Problems = append(e.Problems, problem(te.Fset, te.Pos, "", te.Msg))
		},
	}
	pkg, _ := conf.Check(f.Name.Name, fset, files, info)
	if len(e.Problems) == 0 {
		e.Problems = append(e.Problems, sizeProblems(fset, f, info)...)
	}
	if len(e.Problems) == 0 {
		e.Problems = append(e.Problems, frameProblems(fset, f, info)...)
	}
	if len(e.Problems) == 0 {
		var found []Problem
		for _, d := range vet(fset, files, pkg, info) {
			if fset.File(d.pos) == fset.File(f.Pos()) { // not in the stand-ins
				found = append(found, problem(fset, d.pos, d.analyzer, d.msg))
			}
		}
		slices.SortStableFunc(found, func(a, b Problem) int { return a.Pos.Offset - b.Pos.Offset })
		e.Problems = append(e.Problems, found...)
	}
	// Type errors stay in go/types' order, which keeps an error next to
	// the "other declaration" lines that follow it.
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// standInFile names the extra file of local stand-ins after the generated
// one, so that an error in it says where it came from.
func standInFile(filename string) string {
	return strings.TrimSuffix(filename, ".go") + ".standins.go"
}

// problem makes a Problem at pos, with the //line mapping when one applies.
func problem(fset *token.FileSet, pos token.Pos, analyzer, msg string) Problem {
	p := Problem{Pos: fset.PositionFor(pos, false), Analyzer: analyzer, Msg: msg}
	if line := fset.PositionFor(pos, true); line != p.Pos {
		p.Line = line
	}
	return p
}

// fileProblems reports what go/types does not see but keeps a generated
// file from building everywhere: a build constraint (the package would
// vanish elsewhere), an import of "C" (it would need cgo), or of a package
// internal to the standard library (the go command refuses it).
func fileProblems(fset *token.FileSet, f *ast.File, std *stdlib) []Problem {
	var ps []Problem
	for _, g := range f.Comments {
		if g.Pos() >= f.Package {
			break // constraints count only before the package clause
		}
		for _, c := range g.List {
			if constraint.IsGoBuild(c.Text) || constraint.IsPlusBuild(c.Text) {
				ps = append(ps, problem(fset, c.Pos(), "", "build constraint "+strconv.Quote(c.Text)+" in the generated file"))
			}
		}
	}
	for _, spec := range f.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		switch {
		case path == "C":
			ps = append(ps, problem(fset, spec.Pos(), "", `import "C": the generated file would build only with cgo`))
		case std.internal(path):
			ps = append(ps, problem(fset, spec.Pos(), "", "use of internal package "+path+" not allowed"))
		}
	}
	return ps
}

// directives reports comments of the generated file that tools read as
// directives but codegen does not write: a //go: directive (//go:generate
// would run a command) or a //line directive to another file than the
// .pico and the generated file. Text from the .pico must stay inert.
func directives(fset *token.FileSet, f *ast.File, m *dsl.Model, filename string) []Problem {
	var ps []Problem
	for _, g := range f.Comments {
		for _, c := range g.List {
			switch {
			case strings.HasPrefix(c.Text, "//go:") && !constraint.IsGoBuild(c.Text):
				ps = append(ps, problem(fset, c.Pos(), "", "directive "+strconv.Quote(c.Text)+" in the generated file"))
			case strings.HasPrefix(c.Text, "//line ") || strings.HasPrefix(c.Text, "/*line "):
				target := strings.TrimSuffix(c.Text[len("//line "):], "*/")
				for range 2 { // :line, then :col
					if i := strings.LastIndexByte(target, ':'); i >= 0 && isDigits(target[i+1:]) {
						target = target[:i]
					}
				}
				if target != filepath.Base(m.Filename) && target != filename {
					ps = append(ps, problem(fset, c.Pos(), "", "directive "+strconv.Quote(c.Text)+" maps the generated file to "+target))
				}
			}
		}
	}
	return ps
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// maxSize is the gc compiler's limit on the size of a type on 64-bit
// systems (types.MaxWidth in cmd/compile): go/types accepts larger ones,
// go build fails with "larger than address space".
const maxSize = 1 << 50

// sizeProblems reports each type the generated file writes that the gc
// compiler refuses as too large. Stand-ins have the smallest size a type
// of their use can have, so the report holds whatever the user's types are.
func sizeProblems(fset *token.FileSet, f *ast.File, info *types.Info) []Problem {
	var big []ast.Expr
	for expr, tv := range info.Types {
		if !tv.IsType() || fset.File(expr.Pos()) != fset.File(f.Pos()) {
			continue
		}
		if _, named := types.Unalias(tv.Type).(*types.Named); named {
			continue // its declaration is reported
		}
		if size := sizes.Sizeof(tv.Type); size < 0 || size >= maxSize {
			big = append(big, expr)
		}
	}
	// At the innermost type expression that is too large: the array
	// whose length the .pico wrote, not each type around it.
	var ps []Problem
	for _, expr := range big {
		if !slices.ContainsFunc(big, func(in ast.Expr) bool {
			return in != expr && in.Pos() >= expr.Pos() && in.End() <= expr.End()
		}) {
			ps = append(ps, problem(fset, expr.Pos(), "", "type "+types.TypeString(info.Types[expr].Type, nil)+" larger than address space"))
		}
	}
	return ps
}

// maxFrame is the gc compiler's limit on a function's stack frame
// ("stack frame too large (>1GB)").
const maxFrame = 1 << 30

// frameProblems reports each function of the generated file whose stack
// frame gc refuses, as it checks them: one whose own arguments and results
// take 1 GB or more, or that makes a call whose do, through an interface
// or a func value. gc adds the function's locals to its calls' arguments,
// which this does not count, so a frame found too large is, and some that
// gc refuses (a phase value of half a gigabyte) are not found.
func frameProblems(fset *token.FileSet, f *ast.File, info *types.Info) []Problem {
	var ps []Problem
	check := func(pos token.Pos, sig *types.Signature, body *ast.BlockStmt) {
		frame := argSize(sig)
		var callee int64
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false // a frame of its own
			case *ast.CallExpr:
				if s, ok := info.TypeOf(n.Fun).(*types.Signature); ok && dynamic(info, n.Fun) {
					callee = max(callee, argSize(s))
				}
			}
			return true
		})
		if size := max(frame, callee); size >= maxFrame {
			ps = append(ps, problem(fset, pos, "", fmt.Sprintf("stack frame of at least %d MB: gc refuses one of 1 GB or more", size>>20)))
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			if fn, ok := info.Defs[n.Name].(*types.Func); ok && n.Body != nil {
				check(n.Pos(), fn.Signature(), n.Body)
			}
		case *ast.FuncLit:
			if sig, ok := info.TypeOf(n).(*types.Signature); ok {
				check(n.Pos(), sig, n.Body)
			}
		}
		return true
	})
	return ps
}

// dynamic reports whether a call of fun goes through an interface method or
// a func value: gc may inline a call of a declared function away, and its
// arguments with it, but not these.
func dynamic(info *types.Info, fun ast.Expr) bool {
	fun = ast.Unparen(fun)
	if sel, ok := fun.(*ast.SelectorExpr); ok {
		if s := info.Selections[sel]; s != nil && s.Kind() == types.MethodVal {
			return types.IsInterface(s.Recv())
		}
		fun = sel.Sel // a field, or a qualified name
	}
	id, ok := fun.(*ast.Ident)
	if !ok {
		return true // a func literal called in place, an index expression
	}
	_, isVar := info.Uses[id].(*types.Var)
	return isVar
}

// argSize is the size of a call's receiver, arguments and results.
func argSize(sig *types.Signature) int64 {
	var size int64
	if r := sig.Recv(); r != nil {
		size += sizes.Sizeof(r.Type())
	}
	for _, tuple := range []*types.Tuple{sig.Params(), sig.Results()} {
		for v := range tuple.Variables() {
			size += sizes.Sizeof(v.Type())
		}
	}
	return size
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// sizes are those of the 64-bit systems picoflow supports (linux and darwin
// on amd64 and arm64 agree).
var sizes = types.SizesFor("gc", "amd64")
