// Package testmod makes throwaway Go modules that require this checkout, so
// that tests can build, vet and run generated code and examples as a user's
// module would, offline.
package testmod

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Root is the directory of this checkout, found from this file's path so
// that tests in any package agree on it.
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the testmod source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// New makes an empty module named path in a temporary directory, as Make
// does, but skips the test in -short mode: building in it takes seconds.
func New(t testing.TB, path string) (dir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a temporary module")
	}
	return Make(t, path)
}

// Make makes an empty module named path in a temporary directory (its
// symbolic links resolved, so that it matches the paths the go command
// prints). It requires this checkout through a replace directive and starts
// from its go.sum, so nothing needs the network. It skips the test when go
// is not on PATH.
func Make(t testing.TB, path string) (dir string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	root := Root(t)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mod := "module " + path + "\n\ngo 1.24\n\n" +
		"require github.com/digital-duck/picoflow-go v0.0.0\n\n" +
		"replace github.com/digital-duck/picoflow-go => " + root + "\n"
	Write(t, filepath.Join(dir, "go.mod"), []byte(mod))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	Write(t, filepath.Join(dir, "go.sum"), sum)
	return dir
}

// Offline sets the environment of the test so that the go command, run by
// go/packages in the test's own process, works in a module from Make
// without the network: -mod=mod lets it add this checkout's requirements to
// the temporary go.mod, GOPROXY=off keeps the network out, and GOWORK=off
// keeps a workspace around the temporary directory out.
func Offline(t testing.TB) {
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOWORK", "off")
}

// Go returns the go command with args, to run in dir. -mod=mod lets go add
// the requirements this checkout needs to the temporary go.mod; GOWORK=off
// keeps a workspace around the temporary directory out of it.
func Go(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"), "GOWORK=off")
	return cmd
}

// Write writes data to path, making its directory.
func Write(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
