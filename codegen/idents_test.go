package codegen

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/digital-duck/picoflow-go/dsl"
)

// TestDeclaredIdents generates the code of every .pico input the repository
// holds (goldens, error and format cases that check, the fuzz corpus) and
// holds every identifier it declares to dsl.Model.Idents: no name of
// generated code is made up outside the model, where collisions are checked.
func TestDeclaredIdents(t *testing.T) {
	inputs := picoInputs(t)
	checked := 0
	for name, src := range inputs {
		m, diags := dsl.Check(filepath.Base(name), src)
		if diags.HasErrors() {
			continue
		}
		out, err := Generate(m, Options{Package: "p"})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), "gen.go", out, parser.SkipObjectResolution)
		if err != nil {
			t.Errorf("%s: generated code does not parse: %v", name, err)
			continue
		}
		allowed := m.Idents()
		for _, id := range declaredIdents(f) {
			if !allowed[id] {
				t.Errorf("%s: generated code declares %s, which dsl.Model.Idents does not list", name, id)
			}
		}
		checked++
	}
	if checked < 50 {
		t.Errorf("only %d inputs checked clean; the corpus went missing", checked)
	}
}

// declaredIdents lists the identifiers that f declares, at any level.
func declaredIdents(f *ast.File) []string {
	var out []string
	fields := func(l *ast.FieldList) {
		if l == nil {
			return
		}
		for _, fd := range l.List {
			for _, n := range fd.Names {
				out = append(out, n.Name)
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			out = append(out, n.Name.Name)
			fields(n.Recv)
		case *ast.FuncType:
			fields(n.Params)
			fields(n.Results)
		case *ast.StructType:
			fields(n.Fields)
		case *ast.InterfaceType:
			fields(n.Methods)
		case *ast.TypeSpec:
			out = append(out, n.Name.Name)
		case *ast.ValueSpec:
			for _, id := range n.Names {
				out = append(out, id.Name)
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						out = append(out, id.Name)
					}
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				for _, x := range []ast.Expr{n.Key, n.Value} {
					if id, ok := x.(*ast.Ident); ok {
						out = append(out, id.Name)
					}
				}
			}
		case *ast.ImportSpec:
			if n.Name != nil {
				out = append(out, n.Name.Name)
			}
		}
		return true
	})
	return out
}

// picoInputs collects the .pico inputs of the repository's test data, by a
// name for messages.
func picoInputs(t *testing.T) map[string][]byte {
	t.Helper()
	inputs := map[string][]byte{}
	archives, _ := filepath.Glob("../testdata/*/*.txtar")
	for _, p := range archives {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if strings.HasSuffix(f.Name, ".pico") || f.Name == "in" {
				inputs[p+":"+f.Name] = f.Data
			}
		}
	}
	seeds, _ := filepath.Glob("../dsl/testdata/fuzz/FuzzCheck/*")
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(data), "\n", 3)
		if len(lines) < 2 || !strings.HasPrefix(lines[1], "[]byte(") {
			continue
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(lines[1]), "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		inputs[p] = []byte(s)
	}
	for _, p := range slices.Concat(glob(t, "../examples/*/*.pico"), glob(t, "../internal/*/*.pico"), glob(t, "../internal/*/*/*.pico")) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs[p] = data
	}
	return inputs
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
