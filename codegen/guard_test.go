package codegen

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/testmod"
)

// generateFor checks and generates src as name, failing the test on a
// problem.
func generateFor(t *testing.T, name, src string) []byte {
	t.Helper()
	m, diags := dsl.Check(name, []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out, err := Generate(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVersionGuard builds a file as an older picoflow would have generated
// it for an older runtime: the first error is at the guard, whose comment
// says to run go generate.
func TestVersionGuard(t *testing.T) {
	out := generateFor(t, "old.pico", "package old\nstore S { n int }\nnode A\nflow F { start A }\n")
	guard := "const _ = runtime." + runtimeVersion
	if !bytes.Contains(out, []byte(guard)) {
		t.Fatalf("the generated file lacks %q", guard)
	}
	old := bytes.Replace(out, []byte(guard), []byte("const _ = runtime.SupportPackageIsVersion1"), 1)
	dir := testmod.New(t, "picoflow.test/guard")
	testmod.Write(t, filepath.Join(dir, "old", "old.pico.go"), old)
	got, err := testmod.Go(dir, "build", "./old").CombinedOutput()
	if err == nil {
		t.Fatal("a file for another runtime version built")
	}
	lines := strings.Split(string(got), "\n")
	if len(lines) < 2 || !strings.Contains(lines[1], "old.pico.go:") || !strings.Contains(lines[1], "undefined: runtime.SupportPackageIsVersion1") {
		t.Fatalf("the first error is not the guard's:\n%s", got)
	}
	// The error's line is the guard, under the comment that says what to do.
	src := strings.Split(string(old), "\n")
	i := strings.Index(lines[1], "old.pico.go:") + len("old.pico.go:")
	var line int
	for _, c := range lines[1][i:] {
		if c < '0' || c > '9' {
			break
		}
		line = line*10 + int(c-'0')
	}
	if line < 4 || !strings.HasPrefix(src[line-1], "const _ = runtime.") || !strings.Contains(src[line-2], "run go generate") {
		t.Errorf("line %d of the file is %q after %q; want the guard under its comment", line, src[line-1], src[line-2])
	}
}

// TestDefaultPositions builds defaults that do not fit their named types:
// go build reports each at the .pico position of the default.
func TestDefaultPositions(t *testing.T) {
	src := `package defaults

store S {
    level  Level = "high"
    budget Budget = 30s
    name   Name = 3
    ok     Level = 2
}

node A
flow F { start A }
`
	out := generateFor(t, "defaults.pico", src)
	dir := testmod.New(t, "picoflow.test/defaults")
	testmod.Write(t, filepath.Join(dir, "defaults", "defaults.pico.go"), out)
	testmod.Write(t, filepath.Join(dir, "defaults", "types.go"), []byte("package defaults\n\ntype Level int\n\ntype Budget string\n\ntype Name string\n"))
	got, err := testmod.Go(dir, "build", "./defaults").CombinedOutput()
	if err == nil {
		t.Fatal("defaults that do not fit their types built")
	}
	for _, want := range []string{
		`defaults.pico:4:20: cannot use "high" (untyped string constant) as Level value`,
		`defaults.pico:5:21: cannot use 30000000000 (untyped int constant) as Budget value`,
		`defaults.pico:6:19: cannot use 3 (untyped int constant) as Name value`,
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("go build output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(string(got), "defaults.pico:7:") {
		t.Errorf("the fitting default is reported:\n%s", got)
	}
}
