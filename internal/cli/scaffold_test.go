package cli

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/digital-duck/picoflow-go/internal/golden"
	"github.com/digital-duck/picoflow-go/internal/scaffold"
	"github.com/digital-duck/picoflow-go/internal/testmod"
)

// scaffoldDir holds one case of picoflow scaffold per txtar archive. The
// comment holds `args: ...`, the command line after "picoflow" (default
// "scaffold"), `exit: N`, and optionally `vet: no` for a case whose package
// is broken on purpose. Every file but those under want/ is an input,
// written to a directory of its own that is the working directory of the
// run. want/stdout and want/stderr are the expected output, and want/NAME
// each file the run creates; a run that creates no file has none.
const scaffoldDir = "../../testdata/scaffold"

type scaffoldCase struct {
	*golden.Case
	args []string
	vet  bool
}

// scaffoldCases reads the options of every case from its comment; the exit
// status stays there for CheckHeader.
func scaffoldCases(t *testing.T) []*scaffoldCase {
	t.Helper()
	var cases []*scaffoldCase
	for _, gc := range golden.Cases(t, scaffoldDir) {
		cases = append(cases, newScaffoldCase(gc))
	}
	return cases
}

func newScaffoldCase(gc *golden.Case) *scaffoldCase {
	c := &scaffoldCase{Case: gc, args: []string{"scaffold"}, vet: true}
	if args, ok := gc.Header("args"); ok {
		c.args = strings.Fields(args)
	}
	if vet, ok := gc.Header("vet"); ok {
		c.vet = vet != "no"
	}
	return c
}

// exit is the exit status the case expects.
func (c *scaffoldCase) exit(t *testing.T) int {
	t.Helper()
	v, _ := c.Header("exit")
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s: bad exit line %q", c.Path, v)
	}
	return n
}

// isWant reports whether an archive file is expected output, not input.
func isWant(name string) bool { return strings.HasPrefix(name, "want/") }

// inputs are the files of the case that the run starts from.
func (c *scaffoldCase) inputs() []txtar.File {
	var out []txtar.File
	for _, f := range c.Archive.Files {
		if !isWant(f.Name) {
			out = append(out, f)
		}
	}
	return out
}

// stubModule makes a module that requires this checkout, even in -short
// mode: loading a package is quick enough there, and the cases are the main
// test of scaffold.
func stubModule(t *testing.T) string {
	t.Helper()
	dir := testmod.Make(t, "picoflow.test/stubs")
	testmod.Offline(t)
	return dir
}

// listFiles returns the files under dir, relative to it, with their content.
func listFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestScaffoldGolden(t *testing.T) {
	mod := stubModule(t)
	golden.Run(t, scaffoldDir, func(t *testing.T, gc *golden.Case) {
		c := newScaffoldCase(gc)
		dir := filepath.Join(mod, c.Name)
		for _, f := range c.inputs() {
			testmod.Write(t, filepath.Join(dir, f.Name), f.Data)
		}
		before := listFiles(t, dir)
		t.Chdir(dir)
		code, stdout, stderr := run(t, c.args...)
		after := listFiles(t, dir)

		// The expected output: stdout and stderr when not empty, and each
		// file the run created, under want/.
		var got []txtar.File
		add := func(name, data string) {
			if data != "" {
				got = append(got, txtar.File{Name: "want/" + name, Data: []byte(data)})
			}
		}
		add("stdout", stdout)
		add("stderr", stderr)
		for _, name := range slices.Sorted(maps.Keys(after)) {
			old, existed := before[name]
			switch {
			case !existed:
				add(name, after[name])
			case old != after[name]:
				t.Errorf("the run changed %s", name)
			}
		}
		for name := range before {
			if _, ok := after[name]; !ok {
				t.Errorf("the run removed %s", name)
			}
		}
		c.CheckHeader(t, "exit", strconv.Itoa(code))
		c.CheckSet(t, isWant, got...)
	})
}

// TestScaffoldCompiles builds and vets the package of every case as it is
// after the run and go generate: the inputs, the stub file the case
// expects, and the freshly generated X.pico.go. Stubs that do not compile
// would break the first build after scaffold, which is the one promise
// scaffold makes.
func TestScaffoldCompiles(t *testing.T) {
	mod := testmod.New(t, "picoflow.test/stubs")
	n := 0
	for _, c := range scaffoldCases(t) {
		if !c.vet || c.exit(t) != 0 {
			continue
		}
		dir := filepath.Join(mod, c.Name)
		for _, f := range c.inputs() {
			testmod.Write(t, filepath.Join(dir, f.Name), f.Data)
		}
		for _, f := range c.Archive.Files {
			name, ok := strings.CutPrefix(f.Name, "want/")
			switch {
			case !ok || name == "stderr":
			case name == "stdout":
				testmod.Write(t, filepath.Join(dir, "stdout_nodes.go"), f.Data)
			default:
				testmod.Write(t, filepath.Join(dir, name), f.Data)
			}
		}
		var stderr bytes.Buffer
		if code := Do([]string{"generate", dir}, nil, &stderr, &stderr); code != 0 {
			t.Fatalf("%s: generate: exit %d\n%s", c.Name, code, stderr.String())
		}
		n++
	}
	if n == 0 {
		t.Fatal("no case to build")
	}
	if out, err := testmod.Go(mod, "vet", "./...").CombinedOutput(); err != nil {
		t.Fatalf("go vet of the scaffolded packages failed: %v\n%s", err, out)
	}
}

func TestScaffoldOutputErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.pico": goodPico, "b.pico": goodPico, "x.go": "package demo\n"})
	t.Chdir(dir)

	code, stdout, stderr := run(t, "scaffold", "-o", "-")
	if code != 2 || stdout != "" || stderr != "picoflow: -o needs exactly one .pico file; the arguments name 2\n" {
		t.Errorf("-o with two files: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = run(t, "scaffold", "-o", "x.go", "a.pico")
	if code != 1 || !strings.HasSuffix(stderr, "picoflow: x.go exists; picoflow never replaces a file it did not generate\n") {
		t.Errorf("-o onto an existing file: exit %d, stderr %q", code, stderr)
	}
	if got := readFile(t, "x.go"); got != "package demo\n" {
		t.Errorf("x.go was changed to %q", got)
	}
	code, stdout, stderr = run(t, "scaffold", "-x")
	if code != 2 || stdout != "" || !strings.HasPrefix(stderr, "flag provided but not defined: -x\n"+scaffoldHelp[:30]) {
		t.Errorf("bad flag: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, "scaffold", "nope.pico")
	if code != 1 || stdout != "" || stderr != "picoflow: nope.pico: no such file or directory\n" {
		t.Errorf("missing file: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestFreeStubName(t *testing.T) {
	dir := t.TempDir()
	pico := filepath.Join(dir, "flow.pico")
	if got, want := freeStubName(pico), filepath.Join(dir, "flow_nodes.go"); got != want {
		t.Errorf("freeStubName = %s, want %s", got, want)
	}
	writeFiles(t, dir, map[string]string{"flow_nodes.go": "", "flow_nodes2.go": ""})
	if got, want := freeStubName(pico), filepath.Join(dir, "flow_nodes3.go"); got != want {
		t.Errorf("freeStubName = %s, want %s", got, want)
	}
}

func TestCreateFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a.go")
	if err := createFile(name, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, name); got != "new\n" {
		t.Errorf("content %q", got)
	}
	err := createFile(name, []byte("other\n"))
	if err == nil || err.Error() != name+" exists; picoflow never replaces a file it did not generate" {
		t.Errorf("second createFile: %v", err)
	}
	if got := readFile(t, name); got != "new\n" {
		t.Errorf("content after a refused create %q", got)
	}
	noTempFiles(t, dir)
}

func TestBuildSource(t *testing.T) {
	dep := func(v string, r *debug.Module) *debug.Module {
		return &debug.Module{Path: modulePath, Version: v, Replace: r}
	}
	for _, tc := range []struct {
		name             string
		bi               *debug.BuildInfo
		version, replace string
	}{
		{"installed release", &debug.BuildInfo{Main: *dep("v1.2.3", nil)}, "v1.2.3", ""},
		{"pseudo-version", &debug.BuildInfo{Main: *dep("v0.0.0-20261127214720-abcdefabcdef", nil)}, "v0.0.0-20261127214720-abcdefabcdef", ""},
		{"checkout", &debug.BuildInfo{Main: *dep("(devel)", nil)}, "", ""},
		{"dirty checkout", &debug.BuildInfo{Main: *dep("v1.2.4-0.20261127214720-abcdefabcdef+dirty", nil)}, "", ""},
		{"tool of a module", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}, Deps: []*debug.Module{dep("v1.0.0", nil)}}, "v1.0.0", ""},
		{"replaced by a directory", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}, Deps: []*debug.Module{dep("v0.0.0", &debug.Module{Path: "/src/picoflow-go"})}}, "", "/src/picoflow-go"},
		{"replaced by a fork", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}, Deps: []*debug.Module{dep("v1.0.0", &debug.Module{Path: "example.com/fork", Version: "v1.0.1"})}}, "", ""},
		{"not a dependency", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}}, "", ""},
	} {
		if !filepath.IsAbs("/src/picoflow-go") && tc.replace != "" {
			continue // an absolute path is spelled otherwise here
		}
		v, r := buildSource(tc.bi)
		if v != tc.version || r != tc.replace {
			t.Errorf("%s: buildSource = %q, %q; want %q, %q", tc.name, v, r, tc.version, tc.replace)
		}
	}
}

func TestInitGoMod(t *testing.T) {
	for _, tc := range []struct {
		st   scaffold.Starter
		want string
	}{
		{scaffold.Starter{Module: "demo", Version: "v1.2.3"}, "module demo\n\ngo 1.24.0\n\nrequire github.com/digital-duck/picoflow-go v1.2.3\n\n"},
		{scaffold.Starter{Module: "example.com/x", Replace: "/src/pf"}, "module example.com/x\n\ngo 1.24.0\n\nrequire github.com/digital-duck/picoflow-go v0.0.0\n\nreplace github.com/digital-duck/picoflow-go => /src/pf\n\n"},
		{scaffold.Starter{Module: "demo", Replace: "/my src/pf"}, "module demo\n\ngo 1.24.0\n\nrequire github.com/digital-duck/picoflow-go v0.0.0\n\nreplace github.com/digital-duck/picoflow-go => \"/my src/pf\"\n\n"},
		{scaffold.Starter{Module: "demo"}, "module demo\n\ngo 1.24.0\n\n"},
	} {
		files, err := tc.st.Files()
		if err != nil {
			t.Fatal(err)
		}
		const tool = "// picoflow as a tool of this module: go mod tidy keeps what it needs, so\n" +
			"// that the go:generate line in main.go runs it.\n" +
			"tool github.com/digital-duck/picoflow-go/cmd/picoflow\n"
		if got := string(files["go.mod"]); got != tc.want+tool {
			t.Errorf("go.mod of %+v:\n%s\nwant:\n%s", tc.st, got, tc.want+tool)
		}
	}
}

func TestInitErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"full/x.txt": "x", "pf/go.mod": "module " + modulePath + "\n"})
	t.Chdir(dir)
	pf := filepath.Join(dir, "pf")
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string // a prefix
	}{
		{[]string{"init"}, 2, "picoflow: init takes exactly one directory\nusage: picoflow init"},
		{[]string{"init", "a", "b"}, 2, "picoflow: init takes exactly one directory\n"},
		{[]string{"init", "-replace", pf, "full"}, 1, "picoflow: full: directory not empty\n"},
		// A development build says why go.mod requires nothing only once
		// init has written it.
		{[]string{"init", "full"}, 1, "picoflow: full: directory not empty\n"},
		{[]string{"init", "-replace", pf, "My App"}, 2, "picoflow: malformed module path \"My App\": invalid char ' '; name the module with -module\n"},
		{[]string{"init", "-replace", filepath.Join(dir, "nowhere"), "x"}, 2, "picoflow: -replace " + filepath.Join(dir, "nowhere") + ": not a module directory\n"},
	} {
		code, stdout, stderr := run(t, tc.args...)
		if code != tc.code || stdout != "" || !strings.HasPrefix(stderr, tc.stderr) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d and %q", tc.args, code, stdout, stderr, tc.code, tc.stderr)
		}
	}
	if got := listFiles(t, dir); len(got) != 2 {
		t.Errorf("a failed init left files: %v", got)
	}
	for _, name := range []string{"My App", "x", "a"} {
		if _, err := os.Stat(name); err == nil {
			t.Errorf("a failed init made %s", name)
		}
	}
}

// TestInitDevelopmentBuild runs init as a test binary, which like a build
// in a checkout has no module version: go.mod requires nothing, and init
// says so.
func TestInitDevelopmentBuild(t *testing.T) {
	t.Chdir(t.TempDir())
	code, stdout, stderr := run(t, "init", "-module", "example.com/demo", "sub/demo")
	wantErr := "picoflow: this picoflow is a development build: go.mod requires no picoflow version, and go mod tidy will add the latest release (use -replace DIR for a checkout)\n"
	if code != 0 || stderr != wantErr || !strings.HasPrefix(stdout, "Created module example.com/demo in sub/demo: ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	files := mustFiles(t)
	got := listFiles(t, "sub/demo")
	if len(got) != len(files) {
		t.Errorf("init wrote %d files, want %d", len(got), len(files))
	}
	want, err := scaffold.Starter{Module: "example.com/demo"}.Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range want {
		if got[name] != string(data) {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got[name], data)
		}
	}
	if !strings.Contains(got["main.go"], "\"demo:\", err") {
		t.Errorf("main.go does not name the command demo:\n%s", got["main.go"])
	}
	if strings.Contains(got["go.mod"], "require") {
		t.Errorf("go.mod requires a version:\n%s", got["go.mod"])
	}
	noTempFiles(t, "sub/demo")
}

// TestInitScaffoldEndToEnd is the promise of picoflow init and scaffold:
// a new module generates and runs as created, and after a node is added to
// its .pico, scaffold and go generate give a package that builds and vets.
// go mod tidy would need the test dependencies of picoflow's dependencies,
// which an offline module cache lacks, so the module starts from this
// checkout's go.sum and -mod=mod instead.
func TestInitScaffoldEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a module")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	root := testmod.Root(t)
	t.Chdir(t.TempDir())
	code, stdout, stderr := run(t, "init", "-replace", root, "demo")
	if code != 0 || stderr != "" {
		t.Fatalf("init: exit %d, stderr %q", code, stderr)
	}
	wantOut := "Created module demo in demo: go.mod, hello.pico, hello.pico.go, hello_nodes.go, main.go.\n\nNext:\n\n" +
		"\tcd demo\n" +
		"\tgo mod tidy         # require what picoflow needs, write go.sum\n" +
		"\tgo generate ./...   # write hello.pico.go again after editing hello.pico\n" +
		"\tgo run .            # Hello, world!\n"
	if stdout != wantOut {
		t.Errorf("init stdout:\n%s\nwant:\n%s", stdout, wantOut)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	testmod.Write(t, filepath.Join("demo", "go.sum"), sum)
	abs, _ := filepath.Abs("demo")
	gocmd := func(args ...string) string {
		t.Helper()
		cmd := testmod.Go(abs, args...)
		cmd.Env = append(cmd.Env, "GOPROXY=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	gocmd("generate", "./...")
	if got := readFile(t, "demo/hello.pico.go"); got != string(mustFiles(t)["hello.pico.go"]) {
		t.Errorf("go generate changed the hello.pico.go that init wrote")
	}
	if got := gocmd("run", "."); got != "Hello, world!\n" {
		t.Errorf("go run . printed %q", got)
	}
	if got := gocmd("run", ".", "-loud", "Ada"); got != "HELLO, ADA!\n" {
		t.Errorf("go run . -loud Ada printed %q", got)
	}

	// A node with a fallback, so the stub has ExecFallback too, on the plain path.
	pico := readFile(t, "demo/hello.pico")
	pico = strings.Replace(pico, "Greet then plain -> end", "Greet then plain -> Sign", 1)
	pico += "\n// Sign signs the greeting.\nnode Sign {\n    prep     string\n    exec     string\n    attempts 2\n    fallback\n}\n"
	testmod.Write(t, "demo/hello.pico", []byte(pico))
	t.Chdir("demo")
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOWORK", "off")
	code, stdout, stderr = run(t, "scaffold")
	wantErr := "hello_nodes.go:59:6: newHello exists already: pass sign{} for sign (parameter 2) to NewHello in it\n" +
		"picoflow: wrote hello_nodes2.go: stubs for Sign\n"
	if code != 0 || stdout != "" || stderr != wantErr {
		t.Fatalf("scaffold: exit %d, stdout %q, stderr:\n%s\nwant:\n%s", code, stdout, stderr, wantErr)
	}
	gocmd("generate", "./...")
	// Until the constructor passes the new node, the package does not build:
	// a node added to the .pico cannot be left out of the flow.
	cmd := testmod.Go(".", "build", "./...")
	cmd.Env = append(cmd.Env, "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "not enough arguments in call to NewHello") {
		t.Fatalf("go build with the old constructor: %v\n%s", err, out)
	}
	nodes := readFile(t, "hello_nodes.go")
	if !strings.Contains(nodes, "NewHello(greet{}, shout{})") {
		t.Fatalf("hello_nodes.go does not call NewHello(greet{}, shout{}):\n%s", nodes)
	}
	testmod.Write(t, "hello_nodes.go", []byte(strings.Replace(nodes, "NewHello(greet{}, shout{})", "NewHello(greet{}, sign{}, shout{})", 1)))
	gocmd("build", "./...")
	gocmd("vet", "./...")
	if _, err := os.Stat("hello_nodes3.go"); err == nil {
		t.Error("scaffold wrote a second stub file")
	}
	code, _, stderr = run(t, "scaffold")
	if code != 0 || stderr != "picoflow: hello.pico: every node has an implementation; nothing to write\n" {
		t.Errorf("scaffold again: exit %d, stderr %q", code, stderr)
	}
}

func mustFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := scaffold.Starter{Module: "demo"}.Files()
	if err != nil {
		t.Fatal(err)
	}
	return files
}
