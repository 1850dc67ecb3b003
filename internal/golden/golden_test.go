package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// recorder is a testing.TB that keeps the failures it is given, so that a
// test can check that the helper fails, and how.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// fatal is what a recorder's Fatalf panics with, to stop f as t.Fatalf
// would without ending the test.
type fatal struct{}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(fatal{})
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

// record runs f with a recorder and returns the failures.
func record(t *testing.T, f func(tb testing.TB)) (errs []string) {
	r := &recorder{TB: t}
	defer func() {
		if v := recover(); v != nil && v != (fatal{}) {
			panic(v)
		}
		errs = r.errs
	}()
	f(r)
	return r.errs
}

// setUpdate sets -update for the rest of the test.
func setUpdate(t *testing.T, v bool) {
	old := *update
	*update = v
	t.Cleanup(func() { *update = old })
}

const archive = `A case.
args: run x
exit: 1
-- in.pico --
input
-- want --
old output
-- want/a --
a
-- want/b --
b
`

func writeCase(t *testing.T, content string) (dir, path string) {
	dir = t.TempDir()
	path = filepath.Join(dir, "one.txtar")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

func oneCase(t *testing.T, dir string) *Case {
	cases := Cases(t, dir)
	if len(cases) != 1 {
		t.Fatalf("Cases found %d cases, want 1", len(cases))
	}
	return cases[0]
}

func isWant(name string) bool { return strings.HasPrefix(name, "want/") }

func TestCases(t *testing.T) {
	dir, path := writeCase(t, archive)
	c := oneCase(t, dir)
	if c.Name != "one" || c.Path != path {
		t.Errorf("Name %q, Path %q; want one and %s", c.Name, c.Path, path)
	}
	if f := c.First(".pico"); f == nil || string(f.Data) != "input\n" {
		t.Errorf("First(.pico) = %v", f)
	}
	if f := c.File("want/b"); f == nil || string(f.Data) != "b\n" {
		t.Errorf("File(want/b) = %v", f)
	}
	if c.File("nope") != nil || c.First(".go") != nil {
		t.Error("File or First found a file the archive does not have")
	}
	if v, ok := c.Header("args"); v != "run x" || !ok {
		t.Errorf("Header(args) = %q, %v", v, ok)
	}
	if _, ok := c.Header("A case."); ok {
		t.Error("Header took a line without a colon for a key")
	}
	errs := record(t, func(tb testing.TB) { Cases(tb, t.TempDir()) })
	if len(errs) != 1 || !strings.Contains(errs[0], "no golden cases") {
		t.Errorf("an empty directory gives %q, want a failure", errs)
	}
}

func TestCheckFails(t *testing.T) {
	setUpdate(t, false)
	dir, path := writeCase(t, archive)
	c := oneCase(t, dir)

	errs := record(t, func(tb testing.TB) { c.Check(tb, "want", []byte("new output\n")) })
	if len(errs) != 1 || !strings.Contains(errs[0], "-old output\n+new output\n") {
		t.Errorf("a different output gives %q, want a diff", errs)
	}
	if errs := record(t, func(tb testing.TB) { c.Check(tb, "want", []byte("old output\n")) }); len(errs) != 0 {
		t.Errorf("the same output fails: %q", errs)
	}
	errs = record(t, func(tb testing.TB) { c.Check(tb, "missing", []byte("x\n")) })
	if len(errs) != 1 || !strings.Contains(errs[0], `has no file "missing"`) {
		t.Errorf("a missing file gives %q", errs)
	}
	if errs := record(t, func(tb testing.TB) { c.Check(tb, "missing", nil) }); len(errs) != 1 {
		t.Errorf("a missing file with empty output gives %q, want a failure", errs)
	}

	errs = record(t, func(tb testing.TB) {
		c.CheckSet(tb, isWant, txtar.File{Name: "want/a", Data: []byte("A\n")}, txtar.File{Name: "want/c", Data: []byte("c\n")})
	})
	want := []string{"-a\n+A\n", `has no file "want/c"`, "want/b of " + path + " is expected but was not produced"}
	if len(errs) != len(want) {
		t.Fatalf("CheckSet gives %q, want %d failures", errs, len(want))
	}
	for i := range want {
		if !strings.Contains(errs[i], want[i]) {
			t.Errorf("CheckSet failure %d is %q, want it to contain %q", i, errs[i], want[i])
		}
	}
	if errs := record(t, func(tb testing.TB) {
		c.CheckSet(tb, isWant, txtar.File{Name: "want/b", Data: []byte("b\n")}, txtar.File{Name: "want/a", Data: []byte("a\n")})
	}); len(errs) != 0 {
		t.Errorf("the same set in another order fails: %q", errs)
	}

	errs = record(t, func(tb testing.TB) { c.CheckSet(tb, isWant, txtar.File{Name: "in.pico"}) })
	if len(errs) != 1 || !strings.Contains(errs[0], "outside its set") {
		t.Errorf("CheckSet of a file outside the set gives %q", errs)
	}

	errs = record(t, func(tb testing.TB) { c.CheckHeader(tb, "exit", "0") })
	if len(errs) != 1 || !strings.Contains(errs[0], "exit is 0, want 1") {
		t.Errorf("a different header gives %q", errs)
	}
	if errs := record(t, func(tb testing.TB) { c.CheckHeader(tb, "exit", "1") }); len(errs) != 0 {
		t.Errorf("the same header fails: %q", errs)
	}

	// Without -update nothing is written, not even a reformatted archive.
	c.Archive.Files = nil
	c.Save(t)
	if data, _ := os.ReadFile(path); string(data) != archive {
		t.Errorf("Save without -update wrote:\n%s", data)
	}
}

func TestUpdate(t *testing.T) {
	setUpdate(t, true)
	dir, path := writeCase(t, archive)
	c := oneCase(t, dir)
	errs := record(t, func(tb testing.TB) {
		c.Check(tb, "want", []byte("new output\n"))
		c.Check(tb, "added", []byte("added\n"))
		c.CheckSet(tb, isWant, txtar.File{Name: "want/c", Data: []byte("c\n")}, txtar.File{Name: "want/a", Data: []byte("A\n")})
		c.CheckHeader(tb, "exit", "0")
		c.CheckHeader(tb, "vet", "no")
		c.Save(tb)
	})
	if len(errs) != 0 {
		t.Fatalf("with -update: %q", errs)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `A case.
args: run x
exit: 0
vet: no
-- in.pico --
input
-- want --
new output
-- added --
added
-- want/c --
c
-- want/a --
A
`
	if string(data) != want {
		t.Errorf("the archive is now:\n%s\nwant:\n%s", data, want)
	}

	// What -update wrote passes without it.
	setUpdate(t, false)
	c = oneCase(t, dir)
	errs = record(t, func(tb testing.TB) {
		c.Check(tb, "want", []byte("new output\n"))
		c.CheckSet(tb, isWant, txtar.File{Name: "want/a", Data: []byte("A\n")}, txtar.File{Name: "want/c", Data: []byte("c\n")})
		c.CheckHeader(tb, "exit", "0")
	})
	if len(errs) != 0 {
		t.Errorf("after -update: %q", errs)
	}
}

// TestRunSavesAfterChdir checks that Run writes each changed archive where
// it was read, although the case changed directory, and leaves an
// unchanged one alone.
func TestRunSavesAfterChdir(t *testing.T) {
	setUpdate(t, true)
	dir := t.TempDir()
	for _, name := range []string{"a", "b"} {
		content := "-- in --\n" + name + "\n-- out --\n" + name + "\n"
		if err := os.WriteFile(filepath.Join(dir, name+".txtar"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before, err := os.Stat(filepath.Join(dir, "b.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	var ran []string
	Run(t, ".", func(t *testing.T, c *Case) {
		ran = append(ran, c.Name)
		t.Chdir(t.TempDir())
		out := c.File("in").Data
		if c.Name == "a" {
			out = []byte("changed\n")
		}
		c.Check(t, "out", out)
	})
	if strings.Join(ran, " ") != "a b" {
		t.Errorf("Run ran %q, want a and b", ran)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "a.txtar")); string(data) != "-- in --\na\n-- out --\nchanged\n" {
		t.Errorf("a.txtar is now:\n%s", data)
	}
	after, err := os.Stat(filepath.Join(dir, "b.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("Run rewrote b.txtar, which did not change")
	}
}
