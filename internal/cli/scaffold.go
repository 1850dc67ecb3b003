package cli

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/digital-duck/picoflow-go/internal/scaffold"
)

const scaffoldHelp = `usage: picoflow scaffold [-o FILE] [PATH...]

Scaffold writes stub implementations of the node interfaces that the Go
package beside each .pico file lacks. PATH is as for generate.

It loads the package as go generate would leave it: with the code generated
from the current .pico in place of X.pico.go, which may be missing or stale.
For each node that no type of the package implements (by value or through a
pointer), it writes a type named after the node (Classify: classify, or
classifyNode when that name is taken) whose methods match the interface,
carry the node's doc comment, and return a "not implemented" error. A node
with attempts above 1 also gets ExecFallback, which is optional and, as
written, changes nothing. A type with that name and some of the node's
methods is completed instead: the stub file adds the methods it lacks. For
each flow without a constructor newFLOW, the stub file has one that sets
every node field (each subflow through its own constructor); a constructor
that exists already is left alone, and scaffold says which fields it must
now set.

The stubs of X.pico go to X_nodes.go beside it. An existing file is never
replaced: when X_nodes.go exists, the stubs go to X_nodes2.go, and so on, so
that after a node is added to X.pico, scaffold then go generate give a
package that builds. When every node has an implementation, scaffold says
so and writes nothing. Nothing is written unless every .pico of the run
checked cleanly and its package loaded.

  -o FILE   write the stubs to FILE (which must not exist), or to standard
            output for -; needs exactly one .pico file
`

const initHelp = `usage: picoflow init [-module PATH] [-replace DIR] DIR

Init creates a Go module in DIR, which must be new or empty, with a starter
flow that builds and runs as created:

  go.mod           the module, requiring picoflow and listing it as a tool
  hello.pico       a flow Hello: Greet, then Shout when asked to be loud
  hello.pico.go    the code generated from hello.pico
  hello_nodes.go   working implementations of the nodes and newHello
  main.go          runs the flow and prints the greeting; its go:generate
                   line runs picoflow generate

It then prints the next steps: go mod tidy, go generate ./..., go run .
After adding a node to hello.pico, picoflow scaffold writes a stub of it.

The go.mod requires the picoflow version this binary was built from. A
development build (go build or go run in a checkout) has no such version:
then give -replace with the checkout's directory, or leave the requirement
to go mod tidy, which picks the latest release.

  -module PATH   the module path (default: the base name of DIR)
  -replace DIR   use the picoflow checkout in DIR through a replace directive
`

func runScaffold(c *command, e *env, args []string) int {
	fset := flag.NewFlagSet(c.name, flag.ContinueOnError)
	out := fset.String("o", "", "write the stubs to FILE, or to standard output for -")
	paths, status, ok := c.parseFlags(fset, e, args)
	if !ok {
		return status
	}
	if *out != "" {
		if files, _ := pickFiles(paths); len(files) > 1 {
			e.errorf("-o needs exactly one .pico file; the arguments name %d", len(files))
			return exitUsage
		}
		// Said before loading the package, which takes a while.
		if _, err := os.Lstat(*out); *out != "-" && err == nil {
			e.errorf("%s exists; picoflow never replaces a file it did not generate", *out)
			return exitInput
		}
	}
	units, ok := e.load(paths)
	if !ok {
		return exitInput
	}
	type output struct {
		name string
		data []byte
		what string // the stubs and constructors in it, for the user
	}
	var outputs []output
	dirs, byDir := goPackages(units)
	for _, dir := range dirs {
		srcs := byDir[dir]
		pkg, err := scaffold.Load(dir, srcs)
		if err != nil {
			e.errorf("%v", err)
			ok = false
			continue
		}
		for _, src := range srcs {
			plan, err := pkg.Plan(src)
			if err != nil {
				e.errorf("%v", err)
				ok = false
				continue
			}
			for _, n := range plan.Notes {
				fmt.Fprintln(e.stderr, n)
			}
			if plan.Empty() {
				e.errorf("%s: every node has an implementation; nothing to write", src.Path)
				continue
			}
			name := *out
			if name == "" || name == "-" {
				name = freeStubName(src.Path)
			}
			data, err := plan.Render(name)
			if err != nil {
				e.errorf("%v", err)
				ok = false
				continue
			}
			what := "stubs for " + strings.Join(plan.Stubbed(), ", ")
			if ctors := plan.Constructors(); len(ctors) > 0 {
				what += "; " + strings.Join(ctors, ", ")
			}
			if *out == "-" {
				name = "-"
			}
			outputs = append(outputs, output{name, data, what})
		}
	}
	if !ok {
		return exitInput
	}
	for _, o := range outputs {
		if o.name == "-" {
			e.stdout.Write(o.data)
			continue
		}
		if err := createFile(o.name, o.data); err != nil {
			e.errorf("%v", err)
			return exitInput
		}
		e.errorf("wrote %s: %s", o.name, o.what)
	}
	return exitOK
}

// freeStubName is X_nodes.go beside X.pico, or the first of X_nodes2.go,
// X_nodes3.go, ... that does not exist.
func freeStubName(pico string) string {
	base := strings.TrimSuffix(pico, picoExt) + "_nodes"
	for i := 1; ; i++ {
		name := base + ".go"
		if i > 1 {
			name = base + strconv.Itoa(i) + ".go"
		}
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name
		}
	}
}

// createFile writes data to a new file called name. Like writeFile it never
// leaves a partial file, and unlike it, it never replaces one: the data
// goes to a temporary file that is then hard-linked to name, which fails
// when name exists, even if it appeared a moment ago.
func createFile(name string, data []byte) (err error) {
	exists := fmt.Errorf("%s exists; picoflow never replaces a file it did not generate", name)
	if _, err := os.Lstat(name); err == nil {
		return exists
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return pathError(name, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// CreateTemp makes the file 0600; this is ordinary source.
		err = os.Chmod(tmp, 0o644)
	}
	if err != nil {
		return pathError(name, err)
	}
	if err := os.Link(tmp, name); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return exists
		}
		// A file system without hard links: rename after the check above,
		// with the small window that leaves.
		if err := os.Rename(tmp, name); err != nil {
			return pathError(name, err)
		}
	}
	return nil
}

func runInit(c *command, e *env, args []string) int {
	fset := flag.NewFlagSet(c.name, flag.ContinueOnError)
	module := fset.String("module", "", "the module path (default: the base name of DIR)")
	replace := fset.String("replace", "", "use the picoflow checkout in DIR")
	rest, status, ok := c.parseFlags(fset, e, args)
	if !ok {
		return status
	}
	if len(rest) != 1 {
		e.errorf("init takes exactly one directory")
		fmt.Fprint(e.stderr, c.help)
		return exitUsage
	}
	dir := rest[0]
	abs, err := filepath.Abs(dir)
	if err != nil {
		e.errorf("%v", err)
		return exitInput
	}
	st := scaffold.Starter{Module: *module}
	if st.Module == "" {
		st.Module = filepath.Base(abs)
	}
	if err := scaffold.CheckModulePath(st.Module); err != nil {
		e.errorf("%v; name the module with -module", err)
		return exitUsage
	}
	if *replace != "" {
		r, err := filepath.Abs(*replace)
		if err == nil {
			_, err = os.Stat(filepath.Join(r, "go.mod"))
		}
		if err != nil {
			e.errorf("-replace %s: not a module directory", *replace)
			return exitUsage
		}
		st.Replace = r
	} else if bi, ok := debug.ReadBuildInfo(); ok {
		st.Version, st.Replace = buildSource(bi)
	}
	files, err := st.Files()
	if err != nil {
		e.errorf("%v", err)
		return exitInput
	}

	created, err := makeEmptyDir(dir)
	if err != nil {
		e.errorf("%v", err)
		return exitInput
	}
	outputs := map[string][]byte{}
	for name, data := range files {
		outputs[filepath.Join(dir, name)] = data
	}
	if err := writeAll(outputs); err != nil {
		// Leave nothing behind: the directory was new or empty.
		if created {
			os.RemoveAll(dir)
		} else {
			for name := range outputs {
				os.Remove(name)
			}
		}
		e.errorf("%v", err)
		return exitInput
	}
	if st.Version == "" && st.Replace == "" {
		e.errorf("this picoflow is a development build: go.mod requires no picoflow version, and go mod tidy will add the latest release (use -replace DIR for a checkout)")
	}
	names := slices.Sorted(maps.Keys(files))
	fmt.Fprintf(e.stdout, "Created module %s in %s: %s.\n\nNext:\n\n", st.Module, dir, strings.Join(names, ", "))
	fmt.Fprintf(e.stdout, "\tcd %s\n", dir)
	fmt.Fprintf(e.stdout, "\tgo mod tidy         # require what picoflow needs, write go.sum\n")
	fmt.Fprintf(e.stdout, "\tgo generate ./...   # write hello.pico.go again after editing hello.pico\n")
	fmt.Fprintf(e.stdout, "\tgo run .            # Hello, world!\n")
	return exitOK
}

// makeEmptyDir makes dir unless it exists and is empty, and reports whether
// it made it.
func makeEmptyDir(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, pathError(dir, err)
		}
		return true, nil
	case err != nil:
		return false, pathError(dir, err)
	case len(entries) > 0:
		return false, fmt.Errorf("%s: directory not empty", dir)
	}
	return false, nil
}

// releaseVersion matches a version that a go.mod can require: a release,
// pre-release or pseudo-version, but not one with build metadata such as
// +dirty, which no module proxy serves.
var releaseVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// buildSource is where the running picoflow came from: the module version
// to require, or the directory of a local checkout it was built from as a
// replaced dependency. Both are "" for a development build.
func buildSource(bi *debug.BuildInfo) (version, replace string) {
	mod := &bi.Main
	if mod.Path != modulePath {
		i := slices.IndexFunc(bi.Deps, func(m *debug.Module) bool { return m.Path == modulePath })
		if i < 0 {
			return "", ""
		}
		mod = bi.Deps[i]
	}
	if r := mod.Replace; r != nil {
		// A local directory can be replaced in again; another module
		// (a fork) could only be named with a replace of its own.
		if r.Version == "" && filepath.IsAbs(r.Path) {
			return "", r.Path
		}
		return "", ""
	}
	if releaseVersion.MatchString(mod.Version) {
		return mod.Version, ""
	}
	return "", ""
}
