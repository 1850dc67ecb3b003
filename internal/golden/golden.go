// Package golden runs the txtar golden cases of testdata/: one case per
// archive, holding the input and the expected output side by side. A test
// compares what the code does now with the archive's expected files, which
// fails with a unified diff, and go test -update rewrites them instead.
//
// It is imported by tests only; it registers the -update flag, so a test
// binary that imports it must not declare its own.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/digital-duck/picoflow-go/internal/diff"
)

var update = flag.Bool("update", false, "rewrite the expected output of the golden cases")

// Update reports whether the test runs with -update: then the Check
// methods record what they are given instead of comparing it.
func Update() bool { return *update }

// Case is one archive.
type Case struct {
	Name    string // the archive's base name without .txtar
	Path    string // the archive's path, as the test named its directory
	Archive *txtar.Archive

	abs  string // where Save writes: a case may run in another directory
	read []byte // the archive as read, so that Save writes only a change
}

// Cases parses every dir/*.txtar, in the order of their names. It fails
// the test when there is none: a mistyped directory must not pass.
func Cases(t testing.TB, dir string) []*Case {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no golden cases in %s", dir)
	}
	cases := make([]*Case, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, &Case{
			Name:    strings.TrimSuffix(filepath.Base(p), ".txtar"),
			Path:    p,
			Archive: txtar.Parse(data),
			abs:     abs,
			read:    data,
		})
	}
	return cases
}

// Run runs f on every case of dir, each as a subtest named after the case,
// and with -update saves each archive that f changed, even when f failed.
func Run(t *testing.T, dir string, f func(t *testing.T, c *Case)) {
	t.Helper()
	for _, c := range Cases(t, dir) {
		t.Run(c.Name, func(t *testing.T) {
			defer c.Save(t)
			f(t, c)
		})
	}
}

// File returns the archive's file called name, or nil.
func (c *Case) File(name string) *txtar.File {
	i := c.index(name)
	if i < 0 {
		return nil
	}
	return &c.Archive.Files[i]
}

// First returns the archive's first file whose name ends in suffix, or nil.
func (c *Case) First(suffix string) *txtar.File {
	for i := range c.Archive.Files {
		if strings.HasSuffix(c.Archive.Files[i].Name, suffix) {
			return &c.Archive.Files[i]
		}
	}
	return nil
}

func (c *Case) index(name string) int {
	return slices.IndexFunc(c.Archive.Files, func(f txtar.File) bool { return f.Name == name })
}

// Check compares got with the archive's file name, which must exist (empty
// or not). With -update it sets that file to got, adding it at the end if
// the archive has none.
func (c *Case) Check(t testing.TB, name string, got []byte) {
	t.Helper()
	f := c.File(name)
	switch {
	case *update && f == nil:
		c.Archive.Files = append(c.Archive.Files, txtar.File{Name: name, Data: bytes.Clone(got)})
	case *update:
		f.Data = bytes.Clone(got)
	case f == nil:
		t.Errorf("%s has no file %q (go test -update writes it); the output is:\n%s", c.Path, name, got)
	default:
		if d := diff.Unified(name, "got", f.Data, got); d != nil {
			t.Errorf("%s of %s differs (go test -update rewrites it):\n%s", name, c.Path, d)
		}
	}
}

// CheckSet compares got with the archive's files whose names in reports
// true: the same names, each with the same content. A file that either side
// lacks compares as empty, so the diff shows its content. With -update it
// replaces those files of the archive by got, in got's order, after the
// others.
func (c *Case) CheckSet(t testing.TB, in func(name string) bool, got ...txtar.File) {
	t.Helper()
	for _, f := range got {
		if !in(f.Name) {
			t.Fatalf("golden: CheckSet given %q, which is outside its set", f.Name)
		}
	}
	if *update {
		files := slices.DeleteFunc(c.Archive.Files, func(f txtar.File) bool { return in(f.Name) })
		for _, f := range got {
			files = append(files, txtar.File{Name: f.Name, Data: bytes.Clone(f.Data)})
		}
		c.Archive.Files = files
		return
	}
	want := map[string][]byte{}
	var names []string
	for _, f := range c.Archive.Files {
		if in(f.Name) {
			want[f.Name] = f.Data
			names = append(names, f.Name)
		}
	}
	for _, f := range got {
		w, ok := want[f.Name]
		if !ok {
			t.Errorf("%s has no file %q (go test -update writes it); the output is:\n%s", c.Path, f.Name, f.Data)
			continue
		}
		delete(want, f.Name)
		if d := diff.Unified(f.Name, "got", w, f.Data); d != nil {
			t.Errorf("%s of %s differs (go test -update rewrites it):\n%s", f.Name, c.Path, d)
		}
	}
	for _, name := range names {
		if w, ok := want[name]; ok {
			t.Errorf("%s of %s is expected but was not produced (go test -update removes it):\n%s", name, c.Path, diff.Unified(name, "got", w, nil))
		}
	}
}

// Header returns the value of the line "key: value" of the archive's
// comment, with blanks trimmed, and whether there is one.
func (c *Case) Header(key string) (string, bool) {
	for _, line := range strings.Split(string(c.Archive.Comment), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == key {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// CheckHeader compares got with the value of the comment's line "key:
// value", which must exist. With -update it sets that line to got, adding
// it at the end of the comment if there is none.
func (c *Case) CheckHeader(t testing.TB, key, got string) {
	t.Helper()
	want, ok := c.Header(key)
	switch {
	case *update:
		c.setHeader(key, got)
	case !ok:
		t.Errorf("%s has no %q line in its comment (go test -update writes it); the value is %q", c.Path, key+":", got)
	case want != got:
		t.Errorf("%s: %s is %s, want %s (go test -update rewrites it)", c.Path, key, got, want)
	}
}

func (c *Case) setHeader(key, value string) {
	lines := strings.Split(strings.TrimSuffix(string(c.Archive.Comment), "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		lines = nil
	}
	i := slices.IndexFunc(lines, func(l string) bool { k, _, ok := strings.Cut(l, ":"); return ok && k == key })
	if i < 0 {
		lines = append(lines, "")
		i = len(lines) - 1
	}
	lines[i] = key + ": " + value
	c.Archive.Comment = []byte(strings.Join(lines, "\n") + "\n")
}

// Save writes the archive back, with -update only and when it differs
// from what was read. Run calls it; a test that uses Cases without Run
// calls it itself.
func (c *Case) Save(t testing.TB) {
	t.Helper()
	if !*update {
		return // a test run never touches its cases, even to reformat one
	}
	out := txtar.Format(c.Archive)
	if bytes.Equal(out, c.read) {
		return
	}
	if err := os.WriteFile(c.abs, out, 0o644); err != nil {
		t.Fatal(err)
	}
	c.read = out
}
