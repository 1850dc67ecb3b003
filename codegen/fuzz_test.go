package codegen

import (
	"bytes"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/digital-duck/picoflow-go/dsl"
)

// header is the line that go tooling and linters look for to recognise
// generated code.
var header = regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`)

// FuzzGenerate checks that every input the checker accepts generates Go
// that parses, starts with the generated-code header, and is the same on a
// second run. The golden inputs are the seed corpus.
func FuzzGenerate(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join(goldenDir, "*.txtar"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if filepath.Ext(file.Name) == ".pico" {
				f.Add(file.Data)
				break
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		m, diags := dsl.Check("fuzz.pico", src)
		if diags.HasErrors() {
			return
		}
		out, err := Generate(m, Options{Package: "fuzz"})
		if err != nil {
			t.Fatalf("the checker accepted the input but Generate failed: %v\ninput:\n%s", err, src)
		}
		first, _, _ := bytes.Cut(out, []byte("\n"))
		if !header.Match(first) {
			t.Errorf("first line %q is not a generated-code header", first)
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "fuzz.pico.go", out, parser.ParseComments); err != nil {
			t.Fatalf("generated code does not parse: %v\ninput:\n%s\noutput:\n%s", err, src, out)
		}
		again, err := Generate(m, Options{Package: "fuzz"})
		if err != nil || !bytes.Equal(out, again) {
			t.Fatalf("a second Generate differs (err %v)", err)
		}
	})
}
