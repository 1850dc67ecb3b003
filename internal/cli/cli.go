// Package cli is the picoflow command. Do is the whole program as a function
// of its arguments and streams, so that tests run it in-process.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"

	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/graph"
)

// Exit statuses.
const (
	exitOK    = 0
	exitInput = 1 // the input has errors
	exitUsage = 2
)

const usage = `picoflow turns .pico flow definitions into typed Go.

Usage:

	picoflow <command> [arguments]

Commands:

	generate [-check] [-temporal] [PATH...]
	                     check .pico files and write X.pico.go beside each X.pico
	check    [-types] [PATH...]
	                     parse and check .pico files and the Go types they name; write nothing
	graph    [-format mermaid|dot] [-flow NAME] FILE
	                     print the flows of FILE as a Mermaid or DOT diagram
	fmt      [-l] [-w] [-d] [PATH...]
	                     print .pico files in the canonical layout, or list, rewrite or diff them
	scaffold [-o FILE] [PATH...]
	                     write stubs of the node interfaces the Go package lacks
	init     [-module PATH] [-replace DIR] DIR
	                     create a module with a starter flow that builds and runs
	runs     [-db FILE] [-flow NAME] [-status STATUS] [-n N] [RUNID]
	                     print the run log: recent runs, or one run's steps
	monitor  [-db FILE] [-addr HOST:PORT]
	                     serve the run log as a web page that follows runs live
	version              print the picoflow and Go versions
	help     [COMMAND]   print help for picoflow or for a command

A PATH is a .pico file or a directory (its .pico files); the default is ".".
Exit status: 0 success, 1 errors in the input, 2 bad usage.
`

// command is a subcommand. Help is handled by Do itself: listing it here
// would make the table refer to itself.
type command struct {
	name string
	help string // the text of `picoflow help NAME`, starting with the synopsis
	run  func(c *command, e *env, args []string) int
}

var commands = []*command{
	{
		name: "generate",
		help: `usage: picoflow generate [-check] [-temporal] [PATH...]

Generate checks each .pico file and writes its Go code to X.pico.go beside
X.pico. A PATH is a .pico file or a directory, which means its .pico files
(not recursive; names starting with "." or "_" are skipped, as the go command
does); the default is ".".

Nothing is written unless every file of the run checked and generated
cleanly. Each output is replaced atomically, and one whose content would not
change is left alone, so its modification time stays put. Warnings are
printed but do not fail the run.

The Go package of X.pico.go is the .pico's package clause; without one, it is
$GOPACKAGE when the .pico is in the current directory (go generate sets it),
else the package of the other Go files in the .pico's directory, else the
directory's name made into an identifier. A package clause that differs from
the package of the Go files beside the .pico is an error.

Each generated file records the SHA-256 of its .pico and the version of
its generator, so that check and generate -check can say why one is stale.

  -check     write nothing; report each generated file that is missing or
             would change, at the first line of its .pico, and exit 1 if any
  -temporal  also write X.temporal.go, which runs the file's flows as Temporal
             workflows (it needs the module
             github.com/digital-duck/picoflow-go/runtime/temporal). Once it
             exists, generate keeps it in step without the flag; delete it
             to stop.
`,
		run: runGenerate,
	},
	{
		name: "check",
		help: `usage: picoflow check [-types] [PATH...]

Check parses and checks each .pico file, as generate does, and prints every
problem as FILE:LINE:COL: message, but writes nothing. PATH is as for generate.
A generated X.pico.go that is missing, or differs from what X.pico generates
now, is an error at the .pico's first line, with the reason when the file's
source record tells it (the .pico changed since, another picoflow made it,
or it was edited) and "run go generate".

When the directory of a .pico holds Go files of a package (besides the
generated X.pico.go), or always with -types, check also type-checks that
package and resolves every type the .pico names: a local name must be a type
of the package, a qualified one an exported type of the imported package,
and a map key type must be comparable. Problems are reported at the .pico
position of the type, with the other diagnostics. For the check, each
generated file of the directory is replaced by code generated afresh from its
.pico, so a stale one neither hides nor causes errors; the package's own type
errors are left to the compiler. The go command loads the imported packages.

  -types   check the Go types even in a directory without Go files: every
           local type the .pico names is then undefined
`,
		run: runCheck,
	},
	{
		name: "graph",
		help: `usage: picoflow graph [-format mermaid|dot] [-flow NAME] FILE

Graph checks FILE and prints a diagram of its flows: every node, labelled
edge, * edge (with the actions it covers), end, and each subflow as a nested
subgraph whose outcomes lead on. Without -flow it draws every flow that no
other flow uses as a node. Terminal nodes are drawn rounded (Mermaid) or
with a double border (DOT).

  -format mermaid|dot   the diagram language (default mermaid)
  -flow NAME            draw only flow NAME
`,
		run: runGraph,
	},
	{name: "fmt", help: fmtHelp, run: runFmt},
	{name: "scaffold", help: scaffoldHelp, run: runScaffold},
	{name: "init", help: initHelp, run: runInit},
	{name: "runs", help: runsHelp, run: runRuns},
	{name: "monitor", help: monitorHelp, run: runMonitor},
	{
		name: "version",
		help: `usage: picoflow version

Version prints the version of picoflow and the Go version it was built with.
`,
		run: runVersion,
	},
}

// env is what the commands print to and read from.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// excerpts adds the source line and a caret under each diagnostic: for
	// a person at a terminal, not for editors and logs that parse the lines.
	excerpts bool
}

// errorf reports a problem that is not a diagnostic of a .pico position.
func (e *env) errorf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "picoflow: "+format+"\n", args...)
}

// Do runs picoflow with args (without the program name) and returns the exit
// status: 0 on success, 1 when the input has errors, 2 on bad usage.
func Do(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, getenv: os.Getenv, excerpts: isTerminal(stderr)}
	fs := flag.NewFlagSet("picoflow", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	args = fs.Args()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	name, args := args[0], args[1:]
	if name == "help" {
		return runHelp(e, args)
	}
	c := lookup(name)
	if c == nil {
		e.errorf("unknown command %q", name)
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	return c.run(c, e, args)
}

func lookup(name string) *command {
	i := slices.IndexFunc(commands, func(c *command) bool { return c.name == name })
	if i < 0 {
		return nil
	}
	return commands[i]
}

// parseFlags parses the flags of c. When ok is false the command must stop
// and return status: -h asked for help, or a flag was wrong (the flag package
// has printed why, and the usage).
func (c *command) parseFlags(fs *flag.FlagSet, e *env, args []string) (rest []string, status int, ok bool) {
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, c.help) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitOK, false
		}
		return nil, exitUsage, false
	}
	return fs.Args(), exitOK, true
}

func runHelp(e *env, args []string) int {
	switch {
	case len(args) == 0:
		fmt.Fprint(e.stdout, usage)
		return exitOK
	case len(args) > 1:
		e.errorf("help takes at most one command")
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	c := lookup(args[0])
	if c == nil {
		e.errorf("unknown help topic %q", args[0])
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	fmt.Fprint(e.stdout, c.help)
	return exitOK
}

func runCheck(c *command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	force := fs.Bool("types", false, "check the Go types even in a directory without Go files")
	paths, status, ok := c.parseFlags(fs, e, args)
	if !ok {
		return status
	}
	more := func(units []*unit) (dsl.Diagnostics, []error) {
		diags, errs := checkTypes(units, *force)
		outputs, genErrs := generated(units, false)
		staleDiags, staleErrs := stale(units, outputs)
		return append(diags, staleDiags...), append(append(errs, genErrs...), staleErrs...)
	}
	if _, ok := e.loadWith(paths, more); !ok {
		return exitInput
	}
	return exitOK
}

func runGenerate(c *command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	check := fs.Bool("check", false, "write nothing; exit 1 if any generated file would change")
	temporal := fs.Bool("temporal", false, "also write X.temporal.go, which runs the flows on Temporal")
	paths, status, ok := c.parseFlags(fs, e, args)
	if !ok {
		return status
	}
	var outputs map[string][]byte
	more := func(units []*unit) (dsl.Diagnostics, []error) {
		var errs []error
		outputs, errs = generated(units, *temporal)
		if !*check {
			return nil, errs
		}
		diags, staleErrs := stale(units, outputs)
		return diags, append(errs, staleErrs...)
	}
	// All or nothing: one bad file must not leave the package half
	// regenerated, so nothing is written until every file came out clean.
	if _, ok := e.loadWith(paths, more); !ok || *check {
		if !ok {
			return exitInput
		}
		return exitOK
	}
	if err := writeAll(outputs); err != nil {
		e.errorf("%v", err)
		return exitInput
	}
	return exitOK
}

// outputName is where the Go code generated from the .pico at path goes.
func outputName(path string) string { return path + ".go" }

func runGraph(c *command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	format := fs.String("format", string(graph.Mermaid), "mermaid or dot")
	flow := fs.String("flow", "", "the flow to draw")
	rest, status, ok := c.parseFlags(fs, e, args)
	if !ok {
		return status
	}
	if len(rest) != 1 {
		e.errorf("graph takes exactly one .pico file")
		fmt.Fprint(e.stderr, c.help)
		return exitUsage
	}
	if f := graph.Format(*format); f != graph.Mermaid && f != graph.DOT {
		e.errorf("unknown -format %q: use mermaid or dot", *format)
		return exitUsage
	}
	units, ok := e.load(rest)
	if !ok || len(units) != 1 {
		return exitInput
	}
	text, err := graph.Draw(units[0].model, graph.Format(*format), *flow)
	if err != nil {
		e.errorf("%v", err)
		return exitInput
	}
	fmt.Fprint(e.stdout, text)
	return exitOK
}

func runVersion(c *command, e *env, args []string) int {
	rest, status, ok := c.parseFlags(flag.NewFlagSet(c.name, flag.ContinueOnError), e, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		e.errorf("version takes no arguments")
		fmt.Fprint(e.stderr, c.help)
		return exitUsage
	}
	fmt.Fprintln(e.stdout, version())
	return exitOK
}

// modulePath is picoflow's module, looked up among the dependencies when
// picoflow runs as a tool of another module (go tool, go run pkg@version).
const modulePath = "github.com/digital-duck/picoflow-go"

// version is "picoflow VERSION GOVERSION", VERSION being the module version
// the binary was built from, or "(devel)" for a build from a checkout.
func version() string {
	v, goVersion := "", runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		mod := &bi.Main
		if mod.Path != modulePath {
			if i := slices.IndexFunc(bi.Deps, func(m *debug.Module) bool { return m.Path == modulePath }); i >= 0 {
				mod = bi.Deps[i]
			}
		}
		if mod.Replace != nil {
			mod = mod.Replace
		}
		v = mod.Version
	}
	if v == "" {
		v = "(devel)"
	}
	return "picoflow " + v + " " + goVersion
}

// unit is one .pico file of a run that checked cleanly (warnings allowed).
type unit struct {
	path  string // as given, or joined with the directory given
	model *dsl.Model
	pkg   string // the Go package to generate into
}

// load reads and checks every .pico file that paths name and resolves the Go
// package of each. It prints every problem to stderr, in file order, and
// reports whether there was no error (warnings do not count). The units are
// those files that checked cleanly.
func (e *env) load(paths []string) ([]*unit, bool) { return e.loadWith(paths, nil) }

// loadWith is load with further checks: more, when not nil, gets the units
// and returns more diagnostics of their files, printed sorted together with
// each file's own, and errors that are no file's, printed last.
func (e *env) loadWith(paths []string, more func([]*unit) (dsl.Diagnostics, []error)) ([]*unit, bool) {
	files, errs := pickFiles(paths)
	ok := len(errs) == 0
	for _, err := range errs {
		e.errorf("%v", err)
	}
	// Each file's problems wait until every file has been checked, so that
	// more's diagnostics can be sorted in with them.
	type result struct {
		src      []byte
		diags    dsl.Diagnostics
		problems []error // after the diagnostics
	}
	results := map[string]*result{}
	var units []*unit
	byDir := map[string]*unit{} // the first unit of each directory
	for _, path := range files {
		r := &result{}
		results[path] = r
		src, err := os.ReadFile(path)
		if err != nil {
			r.problems = append(r.problems, pathError(path, err))
			ok = false
			continue
		}
		m, diags := dsl.Check(path, src)
		r.src, r.diags = src, diags
		if diags.HasErrors() || m == nil {
			ok = false
			continue
		}
		pkg, err := packageName(m.Package, path, e.getenv("GOPACKAGE"))
		if fe, ok := err.(*fileError); ok && m.PackagePos.Line > 0 {
			fe.path = m.PackagePos.String() // point at the package clause
		}
		if err != nil {
			r.problems = append(r.problems, err)
			ok = false
			continue
		}
		u := &unit{path: path, model: m, pkg: pkg}
		// Two .pico files of one directory must land in one package, or the
		// generated package does not compile.
		dir := filepath.Dir(path)
		if first, seen := byDir[dir]; seen && first.pkg != pkg {
			where := path
			if m.PackagePos.Line > 0 {
				where = m.PackagePos.String()
			}
			r.problems = append(r.problems, &fileError{where, fmt.Sprintf("package %s does not match package %s of %s", pkg, first.pkg, first.path)})
			ok = false
			continue
		} else if !seen {
			byDir[dir] = u
		}
		units = append(units, u)
	}
	var late []error
	if more != nil && len(units) > 0 {
		var extra dsl.Diagnostics
		extra, late = more(units)
		if extra.HasErrors() || len(late) > 0 {
			ok = false
		}
		for _, d := range extra {
			if r := results[d.Pos.Filename]; r != nil {
				r.diags = append(r.diags, d)
			}
		}
	}
	for _, path := range files {
		r := results[path]
		for _, d := range r.diags.Sort() {
			fmt.Fprintln(e.stderr, d.Error())
			if e.excerpts {
				fmt.Fprint(e.stderr, excerpt(r.src, d.Pos))
			}
		}
		for _, err := range r.problems {
			e.report(err)
		}
	}
	for _, err := range late {
		e.report(err)
	}
	return units, ok
}

// report prints err: a problem of one file as FILE: message, like a
// diagnostic, anything else as a picoflow error.
func (e *env) report(err error) {
	var fe *fileError
	if errors.As(err, &fe) {
		fmt.Fprintln(e.stderr, fe.Error())
		return
	}
	e.errorf("%v", err)
}

// fileError is a problem of a whole .pico file, which has no better position.
// fileError is a problem with a file as a whole, reported as PATH: msg, or
// at a position, PATH:LINE:COL: msg, when one is known.
type fileError struct {
	path, msg string
}

func (e *fileError) Error() string { return e.path + ": " + e.msg }
