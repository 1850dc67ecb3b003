package codegen

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/tools/txtar"

	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/diff"
	"github.com/digital-duck/picoflow-go/internal/e2e/scale"
	"github.com/digital-duck/picoflow-go/internal/golden"
	"github.com/digital-duck/picoflow-go/internal/testmod"
)

// goldenDir holds one case per txtar archive: the first file ending in .pico
// is the input (its name is the file name the checker reports), NAME.pico.go
// is the expected output, NAME.temporal.go that of generate -temporal, and
// any other .go file is part of the package the output is compiled in (a
// local type that the .pico refers to).
// go test ./codegen -update rewrites the expected outputs.
const goldenDir = "../testdata/golden"

// pico returns the case's input.
func pico(t *testing.T, c *golden.Case) *txtar.File {
	t.Helper()
	f := c.First(".pico")
	if f == nil {
		t.Fatalf("%s: no .pico file in the archive", c.Path)
	}
	return f
}

// pkg is the package name for a .pico without a package clause: the case
// name without the characters a Go identifier cannot hold, so that extra
// files in the archive know which package to declare.
func pkg(c *golden.Case) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, c.Name)
}

func TestGolden(t *testing.T) {
	golden.Run(t, goldenDir, func(t *testing.T, c *golden.Case) {
		src := pico(t, c)
		m, diags := dsl.Check(src.Name, src.Data)
		if diags.HasErrors() {
			t.Fatalf("check failed:\n%v", diags)
		}
		got, err := Generate(m, Options{Package: pkg(c)})
		if err != nil {
			t.Fatal(err)
		}
		again, err := Generate(m, Options{Package: pkg(c)})
		if err != nil || !bytes.Equal(got, again) {
			t.Fatalf("a second Generate of the same model differs (err %v)", err)
		}
		c.Check(t, src.Name+".go", got)

		// X.temporal.go; built and vetted by the tests of runtime/temporal,
		// whose module has Temporal's SDK.
		tgot, err := GenerateTemporal(m, Options{Package: pkg(c)})
		if err != nil {
			t.Fatal(err)
		}
		c.Check(t, TemporalFile(src.Name), tgot)
	})
}

// TestGoldenCompiles builds every expected output as a package of one
// temporary module that uses this checkout, and vets and lints it: go tooling never
// builds anything under testdata by itself, and a golden that does not
// compile against the runtime would make every user's build fail.
func TestGoldenCompiles(t *testing.T) {
	dir := testmod.New(t, "picoflow.test/golden")

	for _, c := range golden.Cases(t, goldenDir) {
		wantName := pico(t, c).Name + ".go"
		want := c.File(wantName)
		if want == nil {
			t.Errorf("%s: the archive has no %s: run go test ./codegen -update", c.Path, wantName)
			continue
		}
		pkgDir := filepath.Join(dir, c.Name)
		testmod.Write(t, filepath.Join(pkgDir, wantName), want.Data)
		for _, f := range c.Archive.Files {
			if strings.HasSuffix(f.Name, ".go") && f.Name != wantName && !strings.HasSuffix(f.Name, ".temporal.go") {
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
	for _, c := range golden.Cases(t, goldenDir) {
		pkgs = append(pkgs, "./"+c.Name)
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

// A file rendered in parts (as a large one is, one part per processor) is
// byte for byte the file rendered at once: every golden, in 2 to 7 parts.
func TestRenderInParts(t *testing.T) {
	files, err := filepath.Glob("../testdata/golden/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if !strings.HasSuffix(f.Name, ".pico") {
				continue
			}
			m, diags := dsl.Check(f.Name, f.Data)
			if m == nil {
				t.Fatalf("%s: %v", file, diags)
			}
			whole, err := Generate(m, Options{Package: "x", parts: 1})
			if err != nil {
				t.Fatal(err)
			}
			for n := 2; n <= 7; n++ {
				got, err := Generate(m, Options{Package: "x", parts: n})
				if err != nil {
					t.Fatalf("%s in %d parts: %v", file, n, err)
				}
				if !bytes.Equal(got, whole) {
					t.Errorf("%s in %d parts differs:\n%s", file, n, diff.Unified("whole", "parts", whole, got))
				}
			}
		}
	}
}

// A large flow is rendered in parts by default, to the same bytes.
func TestRenderLargeInParts(t *testing.T) {
	src, err := scale.Pico(600)
	if err != nil {
		t.Fatal(err)
	}
	m, diags := dsl.Check("scale.pico", src)
	if m == nil {
		t.Fatal(diags)
	}
	whole, err := Generate(m, Options{parts: 1})
	if err != nil {
		t.Fatal(err)
	}
	split, err := Generate(m, Options{parts: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(split, whole) {
		t.Errorf("in 3 parts differs:\n%s", diff.Unified("whole", "parts", whole, split))
	}
}
