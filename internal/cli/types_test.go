package cli

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/internal/golden"
	"github.com/digital-duck/picoflow-go/internal/testmod"
)

// typesDir holds the cases of the type-aware checks, one per archive. The
// archive's comment starts with the command line ("args: check -types")
// and the exit status ("exit: 1"); its file "want" is the exact stderr, in
// which $WORK stands for the module directory. Every other file is written
// into the case's directory, a package of one temporary module that
// requires this checkout, and the command runs there.
const typesDir = "../../testdata/types"

// TestTypes runs every case of testdata/types through the CLI. Each case
// runs the go command, so all cases share one module; -short skips them.
func TestTypes(t *testing.T) {
	if testing.Short() {
		t.Skip("loads Go packages with the go command")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	work := typesModule(t)
	golden.Run(t, typesDir, func(t *testing.T, c *golden.Case) {
		args, status := typesHeader(t, c)
		dir := filepath.Join(work, c.Name)
		files := map[string]string{}
		for _, f := range c.Archive.Files {
			if f.Name != "want" {
				files[f.Name] = string(f.Data)
			}
		}
		writeFiles(t, dir, files)
		t.Chdir(dir)
		generateMissing(t, dir, files)
		code, stdout, stderr := run(t, args...)
		if code != status || stdout != "" {
			t.Errorf("picoflow %s: exit %d, stdout %q; want exit %d and no stdout", strings.Join(args, " "), code, stdout, status)
		}
		c.Check(t, "want", []byte(strings.ReplaceAll(stderr, work, "$WORK")))
		// A check writes nothing, and leaves the generated files it
		// replaced for the check as they were.
		for name, data := range files {
			if got := readFile(t, filepath.Join(dir, name)); got != data {
				t.Errorf("%s changed", name)
			}
		}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(dir, path)
			if _, ok := files[filepath.ToSlash(rel)]; err == nil && !ok {
				t.Errorf("check wrote %s", rel)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// generateMissing generates the X.pico.go of each X.pico among files that
// the case does not give, as go generate would have before a check, and adds
// it to files. A case about a stale or missing file gives its own.
func generateMissing(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name := range files {
		if !strings.HasSuffix(name, ".pico") {
			continue
		}
		if _, ok := files[name+".go"]; ok {
			continue
		}
		if code, _, _ := run(t, "generate", name); code != 0 {
			continue // the case is about the .pico's own errors
		}
		files[name+".go"] = readFile(t, filepath.Join(dir, name+".go"))
	}
}

// typesHeader reads the command line and exit status from a case's comment.
func typesHeader(t *testing.T, c *golden.Case) (args []string, status int) {
	t.Helper()
	line, _ := c.Header("args")
	args = strings.Fields(line)
	exit, ok := c.Header("exit")
	status, err := strconv.Atoi(exit)
	if len(args) == 0 || !ok || err != nil || status < 0 {
		t.Fatalf("the comment needs an args: line and an exit: line, got %q", c.Archive.Comment)
	}
	return args, status
}

// typesModule makes a module that requires this checkout, as a user's
// module would, and sets up the go command to work in it offline.
func typesModule(t *testing.T) string {
	t.Helper()
	work := testmod.Make(t, "picoflow.test/types")
	testmod.Offline(t)
	t.Setenv("GOPACKAGE", "")
	return work
}

// TestTypesOutsideModule checks a directory of no module: the types of the
// standard library and of the directory still resolve.
func TestTypesOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("loads Go packages with the go command")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("GOWORK", "off")
	t.Setenv("GO111MODULE", "on")
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOPACKAGE", "")
	if out, err := exec.Command("go", "env", "GOMOD").Output(); err != nil || strings.TrimSpace(string(out)) != os.DevNull {
		t.Skipf("the temporary directory is inside a module (go env GOMOD: %q, %v)", out, err)
	}
	pico := "package demo\nimport \"time\"\nstore S {\n    d time.Duraton\n    p Page\n    q Pgae\n}\nnode A\nflow F { start A }\n"
	writeFiles(t, dir, map[string]string{"a.pico": pico, "x.go": "package demo\n\ntype Page struct{}\n"})
	generateMissing(t, dir, map[string]string{"a.pico": pico})
	code, stdout, stderr := run(t, "check", "a.pico")
	want := "a.pico:4:12: undefined: time.Duraton; did you mean \"Duration\"?\n" +
		"a.pico:6:7: undefined: Pgae (package demo); did you mean \"Page\"?\n"
	if code != 1 || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, stdout, stderr, want)
	}
}

// nested reports whether dir, below the repository's root, is in a nested
// module (examples/temporal): loading it would build that module's
// dependencies (Temporal's SDK), which its own CI step checks.
func nested(dir string) bool {
	for d := dir; d != "../.." && d != "." && d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return true
		}
	}
	return false
}

// TestTypesRepository checks every .pico of this repository with its types
// (those of the main module):
// real packages, whose generated code and node implementations compile,
// must raise no false alarm.
func TestTypesRepository(t *testing.T) {
	if testing.Short() {
		t.Skip("loads Go packages with the go command")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	t.Setenv("GOPACKAGE", "")
	var dirs []string
	for _, pattern := range []string{"../../examples/*/*.pico", "../../internal/*/*.pico", "../../internal/*/*/*.pico"} {
		picos, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range picos {
			if dir := filepath.Dir(p); !slices.Contains(dirs, dir) && !nested(dir) {
				dirs = append(dirs, dir)
			}
		}
	}
	if len(dirs) < 5 {
		t.Fatalf("found only %v", dirs)
	}
	code, stdout, stderr := run(t, append([]string{"check", "-types"}, dirs...)...)
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("check -types %v: exit %d, stdout %q, stderr %q; want 0 and silence", dirs, code, stdout, stderr)
	}
}
