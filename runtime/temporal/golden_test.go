package temporal_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/digital-duck/picoflow-go/internal/testmod"
)

// TestGoldenCompiles builds the expected X.temporal.go of every golden case
// of the generator (../../testdata/golden, written by go test ./codegen
// -update) with its X.pico.go, as the packages of one temporary module
// that uses this checkout and this module, and vets and lints them:
// generated Temporal code that did not build would fail every user's.
func TestGoldenCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a temporary module")
	}
	root := testmod.Root(t)
	dir := testmod.Make(t, "picoflow.test/tgolden")
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	mod := "module picoflow.test/tgolden\n\ngo 1.24\n\n" +
		"require (\n\tgithub.com/digital-duck/picoflow-go v0.0.0\n\tgithub.com/digital-duck/picoflow-go/runtime/temporal v0.0.0\n)\n\n" +
		"replace github.com/digital-duck/picoflow-go => " + root + "\n\n" +
		"replace github.com/digital-duck/picoflow-go/runtime/temporal => " + here + "\n"
	testmod.Write(t, filepath.Join(dir, "go.mod"), []byte(mod))
	// This module's go.sum covers the SDK, the core's its own.
	var sums []byte
	for _, f := range []string{filepath.Join(root, "go.sum"), "go.sum"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, b...)
	}
	testmod.Write(t, filepath.Join(dir, "go.sum"), sums)

	files, err := filepath.Glob(filepath.Join(root, "testdata", "golden", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	var pkgs []string
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		found := false
		for _, f := range ar.Files {
			if strings.HasSuffix(f.Name, ".go") {
				testmod.Write(t, filepath.Join(dir, name, f.Name), f.Data)
				found = found || strings.HasSuffix(f.Name, ".temporal.go")
			}
		}
		if !found {
			t.Errorf("%s has no X.temporal.go: run go test ./codegen -update", file)
		}
		pkgs = append(pkgs, "./"+name)
	}
	for _, args := range [][]string{
		append([]string{"vet"}, pkgs...),
		append([]string{"run", "honnef.co/go/tools/cmd/staticcheck@v0.8.2"}, pkgs...),
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s of the golden Temporal outputs failed: %v\n%s", args[0], err, out)
		}
	}
}
