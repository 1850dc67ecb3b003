package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/digital-duck/picoflow-go/dsl"
)

func TestExcerpt(t *testing.T) {
	src := []byte("store S {\n\tname strin = 1\n}\nflow F { start Anser }")
	for _, tc := range []struct {
		line, col int
		want      string
	}{
		{2, 7, "    \tname strin = 1\n    \t     ^\n"},
		{4, 16, "    flow F { start Anser }\n                   ^\n"},
		{4, 99, "    flow F { start Anser }\n                          ^\n"}, // past the end: caret at the end
		{9, 1, ""},
	} {
		got := excerpt(src, dsl.Pos{Line: tc.line, Column: tc.col})
		if got != tc.want {
			t.Errorf("excerpt at %d:%d = %q, want %q", tc.line, tc.col, got, tc.want)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || isTerminal(&bytes.Buffer{}) || isTerminal(nil) {
		t.Error("a regular file, a buffer or nil counted as a terminal")
	}
}

// TestLoadWithExcerpts checks what a person at a terminal sees: each
// diagnostic line, then the source line and a caret under the column.
func TestLoadWithExcerpts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.pico")
	src := "store S { n int }\nnode A\nflow F {\n    start Anser\n}\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	e := &env{stdout: &bytes.Buffer{}, stderr: &stderr, getenv: func(string) string { return "" }, excerpts: true}
	if _, ok := e.load([]string{path}); ok {
		t.Fatal("load reported no error")
	}
	want := path + ":4:11: unknown node \"Anser\"\n" +
		"        start Anser\n" +
		"              ^\n"
	if stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr.String(), want)
	}
}
