package codegen

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/tools/txtar"

	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/diff"
	"github.com/digital-duck/picoflow-go/internal/testmod"
)

var update = flag.Bool("update", false, "rewrite the expected output of the golden cases in testdata/golden")

// goldenDir holds one case per txtar archive: the first file ending in .pico
// is the input (its name is the file name the checker reports), NAME.pico.go
// is the expected output, and any other .go file is part of the package the
// output is compiled in (a local type that the .pico refers to).
const goldenDir = "../testdata/golden"

// goldenCase is one parsed archive.
type goldenCase struct {
	name string // the archive's base name without .txtar
	path string
	ar   *txtar.Archive
	pico *txtar.File
}

// wantName is the name of the file in the archive that holds the expected
// output.
func (c *goldenCase) wantName() string { return c.pico.Name + ".go" }

// file returns the archive's file called name, or nil.
func (c *goldenCase) file(name string) *txtar.File {
	for i := range c.ar.Files {
		if c.ar.Files[i].Name == name {
			return &c.ar.Files[i]
		}
	}
	return nil
}

// pkg is the package name for a .pico without a package clause: the case
// name without the characters a Go identifier cannot hold, so that extra
// files in the archive know which package to declare.
func (c *goldenCase) pkg() string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, c.name)
}

func goldenCases(t *testing.T) []*goldenCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(goldenDir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no golden cases in %s", goldenDir)
	}
	var cases []*goldenCase
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c := &goldenCase{name: strings.TrimSuffix(filepath.Base(p), ".txtar"), path: p, ar: ar}
		for i := range ar.Files {
			if strings.HasSuffix(ar.Files[i].Name, ".pico") {
				c.pico = &ar.Files[i]
				break
			}
		}
		if c.pico == nil {
			t.Fatalf("%s: no .pico file in the archive", p)
		}
		cases = append(cases, c)
	}
	return cases
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			m, diags := dsl.Check(c.pico.Name, c.pico.Data)
			if diags.HasErrors() {
				t.Fatalf("check failed:\n%v", diags)
			}
			got, err := Generate(m, Options{Package: c.pkg()})
			if err != nil {
				t.Fatal(err)
			}
			again, err := Generate(m, Options{Package: c.pkg()})
			if err != nil || !bytes.Equal(got, again) {
				t.Fatalf("a second Generate of the same model differs (err %v)", err)
			}
			want := c.file(c.wantName())
			if *update {
				if want == nil {
					c.ar.Files = append(c.ar.Files, txtar.File{Name: c.wantName()})
					want = &c.ar.Files[len(c.ar.Files)-1]
				}
				if bytes.Equal(want.Data, got) {
					return
				}
				want.Data = got
				if err := os.WriteFile(c.path, txtar.Format(c.ar), 0o666); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want == nil {
				t.Fatalf("the archive has no %s: run go test ./codegen -update", c.wantName())
			}
			if d := diff.Unified("want", "got", want.Data, got); d != nil {
				t.Errorf("output differs from %s in %s (go test ./codegen -update rewrites it):\n%s", c.wantName(), c.path, d)
			}
		})
	}
}

// TestGoldenCompiles builds every expected output as a package of one
// temporary module that uses this checkout, and vets and lints it: go tooling never
// builds anything under testdata by itself, and a golden that does not
// compile against the runtime would make every user's build fail.
func TestGoldenCompiles(t *testing.T) {
	dir := testmod.New(t, "picoflow.test/golden")

	for _, c := range goldenCases(t) {
		want := c.file(c.wantName())
		if want == nil {
			t.Errorf("%s: the archive has no %s: run go test ./codegen -update", c.path, c.wantName())
			continue
		}
		pkgDir := filepath.Join(dir, c.name)
		testmod.Write(t, filepath.Join(pkgDir, c.wantName()), want.Data)
		for _, f := range c.ar.Files {
			if strings.HasSuffix(f.Name, ".go") && f.Name != c.wantName() {
				testmod.Write(t, filepath.Join(pkgDir, f.Name), f.Data)
			}
		}
	}

	if out, err := testmod.Go(dir, "vet", "./...").CombinedOutput(); err != nil {
		t.Fatalf("go vet of the golden outputs failed: %v\n%s", err, out)
	}
	// No build constraint may leave a generated file out on another system.
	// The packages are named one by one: ./... would skip a package whose
	// files are all left out.
	var pkgs []string
	for _, c := range goldenCases(t) {
		pkgs = append(pkgs, "./"+c.name)
	}
	for _, goos := range []string{"darwin", "windows"} {
		cmd := testmod.Go(dir, append([]string{"list", "-e", "-f", "{{.ImportPath}}:{{.IgnoredGoFiles}}"}, pkgs...)...)
		cmd.Env = append(cmd.Env, "GOOS="+goos)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GOOS=%s go list: %v\n%s", goos, err, out)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if !strings.HasSuffix(l, ":[]") {
				t.Errorf("GOOS=%s leaves files out: %s", goos, l)
			}
		}
	}
	// staticcheck at a pinned version, fetched through the module proxy like
	// any other module: generated code must pass the linter users run.
	if out, err := testmod.Go(dir, "run", staticcheck, "./...").CombinedOutput(); err != nil {
		t.Fatalf("staticcheck of the golden outputs failed: %v\n%s", err, out)
	}
}

// staticcheck is the pinned linter that golden outputs must pass.
const staticcheck = "honnef.co/go/tools/cmd/staticcheck@v0.8.2"

// TestLineDirectives builds a package whose .pico names an undefined type
// and a misspelled one, and checks that go build reports them at the .pico
// lines and columns where they were written.
func TestLineDirectives(t *testing.T) {
	dir := testmod.New(t, "picoflow.test/golden")
	src := `package broken

import "time"

store S {
    pages []Page
    delay time.Duraton
}

node Fetch {
    prep []string
    exec Page
    batch
}

flow F { start Fetch }
`
	m, diags := dsl.Check("broken.pico", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out, err := Generate(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	testmod.Write(t, filepath.Join(dir, "broken", "broken.pico.go"), out)
	got, err := testmod.Go(dir, "build", "./broken").CombinedOutput()
	if err == nil {
		t.Fatal("go build succeeded with undefined types")
	}
	for _, want := range []string{
		"broken.pico:6:13: undefined: Page",
		"broken.pico:7:16: undefined: time.Duraton",
		"broken.pico:12:10: undefined: Page",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("go build output lacks %q:\n%s", want, got)
		}
	}
	lines := strings.Split(string(got), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "broken.pico:") {
		t.Errorf("the first error is not at a .pico position:\n%s", got)
	}
	// After the positions block the generated file's own positions resume:
	// each error there must point at the type it names.
	gen := strings.Split(string(out), "\n")
	re := regexp.MustCompile(`broken\.pico\.go:(\d+):(\d+): undefined: (\S+)`)
	found := re.FindAllStringSubmatch(string(got), -1)
	if len(found) == 0 {
		t.Fatalf("no error in the generated file to check positions with:\n%s", got)
	}
	for _, f := range found {
		line, _ := strconv.Atoi(f[1])
		col, _ := strconv.Atoi(f[2])
		name := f[3][strings.LastIndex(f[3], ".")+1:]
		if line > len(gen) || col > len(gen[line-1]) || !strings.HasPrefix(gen[line-1][col-1:], name) {
			t.Errorf("%s points at %q, which does not hold %s", f[0], gen[min(line, len(gen))-1], name)
		}
	}
}
