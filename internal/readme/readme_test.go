package readme

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/diff"
	"github.com/digital-duck/picoflow-go/internal/testmod"
)

// block is a fenced code block of README.md, with the <!-- go: ... -->
// marker on the line before it, if any.
type block struct {
	lang, body, marker string
	line               int
}

var (
	fenceRE  = regexp.MustCompile("(?ms)^```(\\w*)\\n(.*?)^```$")
	markerRE = regexp.MustCompile(`<!-- go: (.*?) -->\n$`)
)

func readme(t *testing.T) []block {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testmod.Root(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []block
	for _, m := range fenceRE.FindAllSubmatchIndex(data, -1) {
		b := block{
			lang: string(data[m[2]:m[3]]),
			body: string(data[m[4]:m[5]]),
			line: bytes.Count(data[:m[0]], []byte("\n")) + 1,
		}
		if mm := markerRE.FindSubmatch(data[:m[0]]); mm != nil {
			b.marker = string(mm[1])
		}
		blocks = append(blocks, b)
	}
	return blocks
}

// TestPicoBlocks checks every ```pico block: it must check clean, unless the
// block right after it lists the diagnostics it must give, and be in the
// layout picoflow fmt prints.
func TestPicoBlocks(t *testing.T) {
	blocks := readme(t)
	checked := 0
	for i, b := range blocks {
		if b.lang != "pico" {
			continue
		}
		checked++
		_, diags := dsl.Check("support.pico", []byte(b.body))
		got := diags.Error()
		want := ""
		if i+1 < len(blocks) && blocks[i+1].lang == "" && strings.HasPrefix(blocks[i+1].body, "support.pico:") {
			want = strings.TrimSuffix(blocks[i+1].body, "\n")
		}
		if got != want {
			t.Errorf("README.md:%d: pico block gives:\n%s\nwant:\n%s", b.line, got, want)
		}
		if out, err := dsl.Format("support.pico", []byte(b.body)); err != nil || string(out) != b.body {
			t.Errorf("README.md:%d: pico block is not in picoflow fmt's layout (%v):\n%s", b.line, err, diff.Unified("README", "fmt", []byte(b.body), out))
		}
	}
	if checked < 3 {
		t.Errorf("found %d pico blocks in README.md, want at least 3", checked)
	}
}

// TestGoBlocks checks every ```go block by its marker, so that no Go in the
// README goes stale unseen:
//
//	<!-- go: same DIR -->             declarations that DIR's package has, each the same
//	                                  (bodies compared when the README shows one)
//	<!-- go: stmts DIR [x=T]... -->   statements that compile in a function of DIR's
//	                                  package given ctx and parameters x of type T
//	<!-- go: directive -->            a //go:generate line that runs picoflow
func TestGoBlocks(t *testing.T) {
	var compiled []block
	for _, b := range readme(t) {
		if b.lang != "go" {
			continue
		}
		where := fmt.Sprintf("README.md:%d", b.line)
		kind, args, _ := strings.Cut(b.marker, " ")
		switch kind {
		case "same":
			checkSame(t, where, args, b.body)
		case "stmts":
			compiled = append(compiled, b)
		case "directive":
			checkDirective(t, where, b.body)
		default:
			t.Errorf("%s: go block without a known <!-- go: same|stmts|directive ... --> marker before it", where)
		}
	}
	if len(compiled) == 0 {
		t.Fatal("no stmts go blocks found in README.md")
	}
	compileBlocks(t, compiled)
}

// checkSame compares each declaration of body with the declaration of the
// same name in dir's Go files (tests aside), ignoring comments, and bodies
// where the README shows none.
func checkSame(t *testing.T, where, dir, body string) {
	t.Helper()
	pkgFset, pkg := packageDecls(t, dir)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "block.go", "package p\n"+body, 0)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	for _, d := range f.Decls {
		name := declName(d)
		want, ok := pkg[name]
		if !ok {
			t.Errorf("%s: %s is not declared in %s", where, name, dir)
			continue
		}
		bodies := false
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			bodies = true
		}
		if got, want := printDecl(fset, d, bodies), printDecl(pkgFset, want, bodies); got != want {
			t.Errorf("%s: README shows\n%s\nbut %s has\n%s", where, got, dir, want)
		}
	}
}

// packageDecls maps each declaration name of dir's Go files, tests aside,
// to its declaration.
func packageDecls(t *testing.T, dir string) (*token.FileSet, map[string]ast.Decl) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testmod.Root(t), dir, "*.go"))
	decls := map[string]ast.Decl{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			decls[declName(d)] = d
		}
	}
	if len(decls) == 0 {
		t.Fatalf("%s has no Go declarations", dir)
	}
	return fset, decls
}

// declName names a declaration as Recv.Name for methods.
func declName(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) == 1 {
			recv := d.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			if id, ok := recv.(*ast.Ident); ok {
				return id.Name + "." + d.Name.Name
			}
		}
		return d.Name.Name
	case *ast.GenDecl:
		if len(d.Specs) == 1 {
			switch s := d.Specs[0].(type) {
			case *ast.TypeSpec:
				return s.Name.Name
			case *ast.ValueSpec:
				return s.Names[0].Name
			}
		}
	}
	return fmt.Sprintf("%T", d)
}

func printDecl(fset *token.FileSet, d ast.Decl, bodies bool) string {
	if fd, ok := d.(*ast.FuncDecl); ok && !bodies {
		c := *fd
		c.Body = nil
		d = &c
	}
	var buf bytes.Buffer
	if err := printer.Fprint(&buf, fset, d); err != nil {
		return err.Error()
	}
	return buf.String()
}

// checkDirective accepts the two go:generate forms the README documents.
func checkDirective(t *testing.T, where, body string) {
	t.Helper()
	line := strings.TrimSpace(body)
	switch line {
	case "//go:generate go tool picoflow generate",
		"//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate":
	default:
		t.Errorf("%s: unexpected go:generate line %q", where, line)
	}
	if _, err := os.Stat(filepath.Join(testmod.Root(t), "cmd", "picoflow", "main.go")); err != nil {
		t.Errorf("%s: %v", where, err)
	}
}

// imports are the packages README blocks may use, by name; runtime is
// PicoFlow's, as in every generated file.
var imports = map[string]string{
	"context": "context",
	"errors":  "errors",
	"fmt":     "fmt",
	"log":     "log",
	"os":      "os",
	"slog":    "log/slog",
	"time":    "time",
	"runtime": "github.com/digital-duck/picoflow-go/runtime",
	"runlog":  "github.com/digital-duck/picoflow-go/runtime/runlog",
}

// compileBlocks builds one package per directory the blocks name, in a
// temporary module, and vets it.
func compileBlocks(t *testing.T, blocks []block) {
	mod := testmod.New(t, "picoflow.test/readme")
	root := testmod.Root(t)
	pkgs := map[string]string{} // the package name of each directory copied
	for _, b := range blocks {
		_, args, _ := strings.Cut(b.marker, " ")
		fields := strings.Fields(args)
		if len(fields) == 0 {
			t.Fatalf("README.md:%d: the marker names no directory", b.line)
		}
		dir := fields[0]
		pkgDir := filepath.Join(mod, filepath.FromSlash(dir))
		pkg, ok := pkgs[dir]
		if !ok {
			pkg = copyPackage(t, filepath.Join(root, dir), pkgDir)
			pkgs[dir] = pkg
		}
		src := wrapStatements(t, b, fields[1:])
		file := fmt.Sprintf("readme_%03d.go", b.line)
		testmod.Write(t, filepath.Join(pkgDir, file), []byte(withImports(t, b, pkg, src)))
	}
	out, err := testmod.Go(mod, "vet", "./...").CombinedOutput()
	if err != nil {
		// Name the README line of each error: readme_NNN.go is the block
		// starting at README.md:NNN, with the lines withImports adds.
		t.Fatalf("README go blocks do not compile (file readme_NNN.go is the block at README.md:NNN): %v\n%s", err, out)
	}
}

// copyPackage copies the Go files of src, tests aside, into dst and returns
// their package name.
func copyPackage(t *testing.T, src, dst string) (pkg string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(src, "*.go"))
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, data, parser.PackageClauseOnly)
		if err != nil {
			t.Fatal(err)
		}
		pkg = f.Name.Name
		testmod.Write(t, filepath.Join(dst, filepath.Base(name)), data)
	}
	if pkg == "" {
		t.Fatalf("%s has no Go files", src)
	}
	return pkg
}

// wrapStatements puts the statements of b in a function taking ctx and the
// parameters params (x=T), and uses every variable they declare, as a reader
// would go on to.
func wrapStatements(t *testing.T, b block, params []string) string {
	t.Helper()
	sig := []string{"ctx context.Context"}
	for _, p := range params {
		name, typ, ok := strings.Cut(p, "=")
		if !ok {
			t.Fatalf("README.md:%d: marker parameter %q is not name=Type", b.line, p)
		}
		sig = append(sig, name+" "+typ)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "block.go", "package p\nfunc _() {\n"+b.body+"}\n", 0)
	if err != nil {
		t.Fatalf("README.md:%d: %v", b.line, err)
	}
	var declared []string
	for _, s := range f.Decls[0].(*ast.FuncDecl).Body.List {
		if as, ok := s.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
			for _, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name != "_" && !slices.Contains(declared, id.Name) {
					declared = append(declared, id.Name)
				}
			}
		}
	}
	var buf strings.Builder
	fmt.Fprintf(&buf, "func _(%s) {\n%s", strings.Join(sig, ", "), b.body)
	for _, name := range declared {
		fmt.Fprintf(&buf, "\t_ = %s\n", name)
	}
	buf.WriteString("}\n")
	return buf.String()
}

// withImports makes src a file of package pkg importing the packages it
// names.
func withImports(t *testing.T, b block, pkg, src string) string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "block.go", "package p\n"+src, 0)
	if err != nil {
		t.Fatalf("README.md:%d: %v", b.line, err)
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && imports[id.Name] != "" {
				used[id.Name] = true
			}
		}
		return true
	})
	var buf strings.Builder
	buf.WriteString("package " + pkg + "\n\n")
	for _, name := range slices.Sorted(maps.Keys(used)) {
		fmt.Fprintf(&buf, "import %q\n", imports[name])
	}
	buf.WriteString("\n" + src)
	return buf.String()
}

// testCommandRE finds the README's test command as .ci/run does: the line
// starting with go test and ending in "# run all tests".
var testCommandRE = regexp.MustCompile(`(?m)^(go test [^#\n]*[^ #\n]) *# run all tests$`)

// TestTestCommand keeps the README's test command, which CI runs, whole:
// it may be several go test commands joined by &&, but together they must
// run every package that has tests, each once, and any package whose code
// or tests start goroutines under the race detector. The front end runs
// without -race (participle is some 40 times slower under it), so a new
// package would otherwise be easy to leave out.
func TestTestCommand(t *testing.T) {
	root := testmod.Root(t)
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := testCommandRE.FindSubmatch(data)
	if m == nil {
		t.Fatal("README.md has no test command marked '# run all tests'")
	}
	all := testPackages(t, root)
	runs := map[string]string{} // package dir -> the command that runs it
	race := map[string]bool{}
	for _, cmd := range strings.Split(string(m[1]), " && ") {
		args, ok := strings.CutPrefix(cmd, "go test ")
		if !ok {
			t.Fatalf("%q is not a go test command", cmd)
		}
		var patterns []string
		withRace := false
		for _, a := range strings.Fields(args) {
			switch {
			case a == "-race":
				withRace = true
			case strings.HasPrefix(a, "-"):
			default:
				patterns = append(patterns, a)
			}
		}
		if len(patterns) == 0 {
			t.Fatalf("%q names no package", cmd)
		}
		for _, pattern := range patterns {
			n := 0
			for _, pkg := range slices.Sorted(maps.Keys(all)) {
				if !matchPattern(pattern, pkg) {
					continue
				}
				n++
				if prev, ok := runs[pkg]; ok {
					t.Errorf("./%s runs in %q and in %q", pkg, prev, cmd)
				}
				runs[pkg] = cmd
				race[pkg] = withRace
			}
			if n == 0 {
				t.Errorf("%s in %q matches no package with tests", pattern, cmd)
			}
		}
	}
	for _, pkg := range slices.Sorted(maps.Keys(all)) {
		switch {
		case runs[pkg] == "":
			t.Errorf("the README's test command does not run ./%s", pkg)
		case !race[pkg] && startsGoroutines(t, filepath.Join(root, pkg), all[pkg]):
			t.Errorf("./%s starts goroutines, so the README's test command must run it with -race", pkg)
		}
	}
}

// testPackages lists the packages of the module that have tests, by
// directory relative to root in slash form, with their Go files (tests
// included).
func testPackages(t *testing.T, root string) map[string][]string {
	t.Helper()
	const format = `{{if or .TestGoFiles .XTestGoFiles}}{{.Dir}}` +
		`{{range .GoFiles}} {{.}}{{end}}{{range .TestGoFiles}} {{.}}{{end}}{{range .XTestGoFiles}} {{.}}{{end}}{{end}}`
	cmd := exec.Command("go", "list", "-f", format, "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if fields := strings.Fields(line); len(fields) > 0 {
			rel, err := filepath.Rel(root, fields[0])
			if err != nil {
				t.Fatal(err)
			}
			pkgs[filepath.ToSlash(rel)] = fields[1:]
		}
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages with tests: %v", len(pkgs), pkgs)
	}
	return pkgs
}

// matchPattern reports whether the go test pattern (./DIR, ./DIR/... or
// ./...) names the package in pkg, a directory relative to the module root.
func matchPattern(pattern, pkg string) bool {
	p, ok := strings.CutPrefix(pattern, "./")
	if !ok {
		return false // an import path: the README uses relative patterns
	}
	if p == "..." {
		return true
	}
	if dir, ok := strings.CutSuffix(p, "/..."); ok {
		return pkg == dir || strings.HasPrefix(pkg, dir+"/")
	}
	return pkg == p
}

// startsGoroutines reports whether a go statement appears in files of dir.
func startsGoroutines(t *testing.T, dir string, files []string) bool {
	t.Helper()
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		ast.Inspect(f, func(n ast.Node) bool {
			_, ok := n.(*ast.GoStmt)
			found = found || ok
			return !found
		})
		if found {
			return true
		}
	}
	return false
}
