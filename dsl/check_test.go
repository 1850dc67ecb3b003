package dsl

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the expected output of golden files")

// TestErrors checks every case in testdata/errors: each archive holds one
// .pico file and, in "want", the exact diagnostics Check reports for it.
func TestErrors(t *testing.T) {
	files, err := filepath.Glob("../testdata/errors/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no error cases: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var src *txtar.File
			want := -1
			for i, f := range ar.Files {
				switch {
				case strings.HasSuffix(f.Name, ".pico"):
					src = &ar.Files[i]
				case f.Name == "want":
					want = i
				}
			}
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
			if *update {
				if want < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "want"})
					want = len(ar.Files) - 1
				}
				ar.Files[want].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want < 0 {
				t.Fatal("archive has no want file; run with -update")
			}
			if !bytes.Equal([]byte(got), ar.Files[want].Data) {
				t.Errorf("diagnostics differ\n--- got\n%s--- want\n%s", got, ar.Files[want].Data)
			}
			for _, d := range diags {
				if d.Pos.Offset < 0 || d.Pos.Offset > len(src.Data) {
					t.Errorf("position %s lies outside the input", d.Pos)
				}
			}
		})
	}
}
