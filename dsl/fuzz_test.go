package dsl_test

import (
	"bytes"
	"errors"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/digital-duck/picoflow-go/codegen"
	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/gocheck"
)

// header is the line go tooling and linters look for in generated code.
var header = regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`)

// FuzzCheck asserts more than "no panic": every diagnostic is one line at a
// position inside the input whose line and column agree with its offset,
// diagnostics come sorted, and every input that checks clean generates Go
// that parses, type-checks and vets (gocheck: the real runtime and standard
// library, stand-ins for the types the .pico names), carries the
// generated-code header, and is the same when checked and generated again.
// Whatever parses also formats, as dsl.FormatProperties asserts:
// idempotent, the same syntax tree, tokens and comments. Seeds:
// testdata/fuzz/FuzzCheck and the .pico inputs of every golden, error and
// fmt case.
func FuzzCheck(f *testing.F) {
	archives, err := filepath.Glob("../testdata/*/*.txtar")
	if err != nil || len(archives) == 0 {
		f.Fatalf("no seed archives: %v", err)
	}
	for _, p := range archives {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if strings.HasSuffix(file.Name, ".pico") || file.Name == "in" {
				f.Add(file.Data)
			}
		}
	}
	// Before any input: the first load may build the standard library.
	if err := gocheck.Load(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if err := dsl.FormatProperties("fuzz.pico", src); err != nil {
			t.Fatal(err)
		}
		m, diags := dsl.Check("fuzz.pico", src)
		for i, d := range diags {
			checkPosition(t, src, d)
			if d.Msg == "" || strings.Contains(d.Error(), "\n") {
				t.Errorf("diagnostic %q is empty or spans lines", d.Error())
			}
			if i > 0 && d.Pos.Offset < diags[i-1].Pos.Offset {
				t.Errorf("diagnostics not sorted: %s after %s", d, diags[i-1])
			}
		}
		if (m == nil) != diags.HasErrors() {
			t.Fatalf("model nil: %v, errors: %v", m == nil, diags.HasErrors())
		}
		if m == nil {
			return
		}
		out, err := codegen.Generate(m, codegen.Options{Package: "fuzz"})
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
		// An input whose types no Go declarations can satisfy (a default
		// that fits no type, time.Now as a type) is check -types' to
		// refuse; it says nothing about the generator.
		if err := gocheck.Check(m, "fuzz.pico.go", out); err != nil && !errors.Is(err, gocheck.ErrNoStandIn) {
			t.Fatalf("the checker accepted the input but the generated code does not type-check or vet:\n%v\ninput:\n%s\noutput:\n%s", err, src, out)
		}
		m2, _ := dsl.Check("fuzz.pico", src)
		again, err := codegen.Generate(m2, codegen.Options{Package: "fuzz"})
		if err != nil || !bytes.Equal(out, again) {
			t.Fatalf("checking and generating again gives other output (err %v)", err)
		}
	})
}

// checkPosition asserts that d's position lies inside src (the end of the
// input counts) and that its line and byte column match its offset.
func checkPosition(t *testing.T, src []byte, d *dsl.Diagnostic) {
	t.Helper()
	p := d.Pos
	if p.Filename != "fuzz.pico" || p.Offset < 0 || p.Offset > len(src) {
		t.Fatalf("%s: position outside the input of %d bytes (offset %d)", d, len(src), p.Offset)
	}
	line := 1 + bytes.Count(src[:p.Offset], []byte("\n"))
	col := p.Offset - (bytes.LastIndexByte(src[:p.Offset], '\n') + 1) + 1
	if p.Line != line || p.Column != col {
		t.Fatalf("%s: offset %d is at %d:%d", d, p.Offset, line, col)
	}
}
