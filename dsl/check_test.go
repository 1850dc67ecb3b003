package dsl

import (
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/internal/golden"
)

// TestErrors checks every case in testdata/errors: each archive holds one
// .pico file and, in "want", the exact diagnostics Check reports for it.
// go test ./dsl -update rewrites them.
func TestErrors(t *testing.T) {
	golden.Run(t, "../testdata/errors", func(t *testing.T, c *golden.Case) {
		src := c.First(".pico")
		if src == nil {
			t.Fatal("archive has no .pico file")
		}
		m, diags := Check(src.Name, src.Data)
		got := diags.Error()
		if got != "" {
			got += "\n"
		}
		if diags.HasErrors() != (m == nil) {
			t.Errorf("model is nil: %v, but HasErrors: %v", m == nil, diags.HasErrors())
		}
		c.Check(t, "want", []byte(got))
		for _, d := range diags {
			if d.Pos.Offset < 0 || d.Pos.Offset > len(src.Data) {
				t.Errorf("position %s lies outside the input", d.Pos)
			}
		}
	})
}

// Merge rules reach the model; a field without one has none.
func TestMergeRules(t *testing.T) {
	src := "store S {\n    pages []string merge append\n    cost float64 merge sum\n    n int\n}\nnode A\nflow F { start A }\n"
	m, diags := Check("m.pico", []byte(src))
	if m == nil {
		t.Fatal(diags)
	}
	var got []string
	for _, f := range m.Store.Fields {
		got = append(got, f.Name+":"+f.Merge)
	}
	if want := "pages:append cost:sum n:"; strings.Join(got, " ") != want {
		t.Errorf("merge rules %q, want %q", strings.Join(got, " "), want)
	}
}
