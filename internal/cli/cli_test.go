package cli

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/codegen"
	"github.com/digital-duck/picoflow-go/dsl"
)

const (
	// goodPico declares its package; nopkgPico leaves it to the CLI.
	goodPico  = "package demo\nstore S { n int }\nnode A\nflow F { start A }\n"
	nopkgPico = "store S { n int }\nnode A\nflow F { start A }\n"
	// badPico has an error on line 2: an unknown node.
	badPico = "store S { n int }\nflow F { start Missing }\n"
	// warnPico checks with a warning only: node B is not used.
	warnPico = "package demo\nstore S { n int }\nnode A\nnode B\nflow F { start A }\n"
)

// run calls Do as the command line would and returns its results.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Do(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noTempFiles fails when a temporary file of writeFile is left in dir.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}

// want returns what generate should write for src with package pkg.
func want(t *testing.T, filename, src, pkg string) string {
	t.Helper()
	m, diags := dsl.Check(filename, []byte(src))
	if diags.HasErrors() {
		t.Fatalf("dsl.Check(%s): %v", filename, diags)
	}
	out, err := codegen.Generate(m, codegen.Options{Package: pkg})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// packageOf returns the package clause of the Go file at path.
func packageOf(t *testing.T, path string) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	return f.Name.Name
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		wantStderr string // a prefix of stderr
		wantUsage  string // contained in stderr
	}{
		{"no command", nil, "", usage},
		{"unknown command", []string{"frob"}, "picoflow: unknown command \"frob\"\n", usage},
		{"unknown top-level flag", []string{"-x", "check"}, "flag provided but not defined: -x\n", usage},
		{"generate bad flag", []string{"generate", "-x"}, "flag provided but not defined: -x\n", "usage: picoflow generate"},
		{"check bad flag", []string{"check", "-w", "a.pico"}, "flag provided but not defined: -w\n", "usage: picoflow check"},
		{"version with argument", []string{"version", "x"}, "picoflow: version takes no arguments\n", "usage: picoflow version"},
		{"help unknown topic", []string{"help", "frob"}, "picoflow: unknown help topic \"frob\"\n", usage},
		{"help two topics", []string{"help", "check", "generate"}, "picoflow: help takes at most one command\n", usage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, tc.wantStderr) || !strings.Contains(stderr, tc.wantUsage) {
				t.Errorf("stderr = %q, want %q and then usage %q", stderr, tc.wantStderr, tc.wantUsage)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	code, stdout, stderr := run(t, "help")
	if code != 0 || stdout != usage || stderr != "" {
		t.Errorf("help: exit %d, stdout %q, stderr %q; want 0 and the usage on stdout", code, stdout, stderr)
	}
	for _, c := range commands {
		code, stdout, _ := run(t, "help", c.name)
		if code != 0 || stdout != c.help {
			t.Errorf("help %s: exit %d, stdout %q", c.name, code, stdout)
		}
	}
	// -h is a request, not a mistake: flag's own convention is exit 0.
	for _, args := range [][]string{{"-h"}, {"-help"}, {"generate", "-h"}, {"check", "--help"}} {
		code, _, stderr := run(t, args...)
		if code != 0 || !strings.Contains(stderr, "sage") {
			t.Errorf("%q: exit %d, stderr %q; want 0 and usage", args, code, stderr)
		}
	}
	// The usage, the package doc of cmd/picoflow and the README list every
	// command, with the synopsis its help text starts with.
	doc, err := os.ReadFile("../../cmd/picoflow/main.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range append(commands, &command{name: "help"}) {
		if !strings.Contains(usage, "\n\t"+c.name+" ") {
			t.Errorf("usage lacks %s", c.name)
		}
		// The listings give each command with its synopsis's flags and
		// arguments, aligned with spaces.
		args := ""
		if c.help != "" {
			synopsis, _, _ := strings.Cut(c.help, "\n")
			args = strings.TrimSpace(strings.TrimPrefix(synopsis, "usage: picoflow "+c.name))
		}
		listed := `picoflow ` + c.name + ` *` + regexp.QuoteMeta(args) + `( |$)`
		if !regexp.MustCompile(`(?m)^//\t` + listed).Match(doc) {
			t.Errorf("the package doc of cmd/picoflow lacks picoflow %s %s", c.name, args)
		}
		if c.name != "help" && !regexp.MustCompile(`(?m)^`+listed).Match(readme) {
			t.Errorf("the README's CLI listing lacks picoflow %s %s", c.name, args)
		}
		if synopsis, _, _ := strings.Cut(c.help, "\n"); c.help != "" && !strings.HasPrefix(synopsis, "usage: picoflow "+c.name) {
			t.Errorf("help %s starts with %q, not its synopsis", c.name, synopsis)
		}
	}
}

func TestVersion(t *testing.T) {
	code, stdout, stderr := run(t, "version")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !regexp.MustCompile(`^picoflow \S+ go1\.\d+\S*\n$`).MatchString(stdout) {
		t.Errorf("stdout = %q, want picoflow VERSION GOVERSION", stdout)
	}
}

func TestPathErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"notes.txt": "x", "empty/.hidden.pico": goodPico, "empty/sub/a.pico": goodPico})
	for _, tc := range []struct {
		arg, want string
	}{
		{filepath.Join(dir, "missing.pico"), "missing.pico: no such file or directory"},
		{filepath.Join(dir, "missing"), "missing: no such file or directory"},
		{filepath.Join(dir, "notes.txt"), "notes.txt: not a .pico file"},
		{filepath.Join(dir, "empty"), "empty: no .pico files"},
	} {
		for _, cmd := range []string{"check", "generate"} {
			code, stdout, stderr := run(t, cmd, tc.arg)
			if code != 1 || stdout != "" {
				t.Errorf("%s %s: exit %d, stdout %q; want 1", cmd, tc.arg, code, stdout)
			}
			if want := "picoflow: " + filepath.Join(dir, tc.want) + "\n"; stderr != want {
				t.Errorf("%s %s: stderr = %q, want %q", cmd, tc.arg, stderr, want)
			}
		}
	}
}

func TestPathErrorStillChecksOtherFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFiles(t, dir, map[string]string{"bad.pico": badPico})
	code, _, stderr := run(t, "check", "missing.pico", "bad.pico")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.HasPrefix(stderr, "picoflow: missing.pico: no such file or directory\nbad.pico:2:") {
		t.Errorf("stderr = %q, want the missing path, then the diagnostics of bad.pico", stderr)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFiles(t, dir, map[string]string{"a.pico": goodPico, "b.pico": badPico, "c.pico": badPico, "w.pico": warnPico})
	if code, _, stderr := run(t, "generate", "a.pico", "w.pico"); code != 0 {
		t.Fatalf("generate: exit %d, stderr %q", code, stderr)
	}
	generatedFiles, _ := filepath.Glob(filepath.Join(dir, "*.go"))

	code, stdout, stderr := run(t, "check", "a.pico")
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("check good: exit %d, stdout %q, stderr %q; want 0 and silence", code, stdout, stderr)
	}

	code, stdout, stderr = run(t, "check", "w.pico")
	if code != 0 || stdout != "" || !strings.HasPrefix(stderr, "w.pico:4:") || !strings.Contains(stderr, ": warning: ") {
		t.Errorf("check warnings: exit %d, stdout %q, stderr %q; want 0 and the warning", code, stdout, stderr)
	}

	// Every file is checked, in order, and every line is one diagnostic.
	code, stdout, stderr = run(t, "check", "c.pico", "a.pico", "b.pico")
	if code != 1 || stdout != "" {
		t.Errorf("check bad: exit %d, stdout %q; want 1", code, stdout)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "c.pico:2:") || !strings.HasPrefix(lines[len(lines)-1], "b.pico:2:") {
		t.Errorf("stderr = %q, want c.pico's diagnostics, then b.pico's", stderr)
	}
	for _, l := range lines {
		if !regexp.MustCompile(`^[bc]\.pico:\d+:\d+: `).MatchString(l) {
			t.Errorf("line %q is not FILE:LINE:COL: message", l)
		}
	}

	// A directory means its files, named through the directory as given.
	code, _, stderr = run(t, "check", ".")
	if code != 1 || !strings.HasPrefix(stderr, "b.pico:2:") {
		t.Errorf("check .: exit %d, stderr %q; want 1 and b.pico:2: first", code, stderr)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*.go")); !slices.Equal(matches, generatedFiles) {
		t.Errorf("check wrote %v", matches)
	}
}

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.pico": goodPico, "w.pico": warnPico})
	code, stdout, stderr := run(t, "generate", dir)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stderr, filepath.Join(dir, "w.pico")+":4:") || !strings.Contains(stderr, ": warning: ") {
		t.Errorf("stderr = %q, want the warning of w.pico", stderr)
	}
	for _, name := range []string{"a.pico", "w.pico"} {
		src := map[string]string{"a.pico": goodPico, "w.pico": warnPico}[name]
		out := filepath.Join(dir, name+".go")
		if got, want := readFile(t, out), want(t, filepath.Join(dir, name), src, "demo"); got != want {
			t.Errorf("%s:\n%s\nwant:\n%s", out, got, want)
		}
		info, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want 0644", out, info.Mode().Perm())
		}
	}
	noTempFiles(t, dir)
}

func TestGenerateDefaultsToCurrentDir(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFiles(t, dir, map[string]string{"a.pico": goodPico, "sub/b.pico": badPico})
	if code, _, stderr := run(t, "generate"); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if got, want := readFile(t, "a.pico.go"), want(t, "a.pico", goodPico, "demo"); got != want {
		t.Errorf("a.pico.go:\n%s\nwant:\n%s", got, want)
	}
	// Not recursive, so sub/b.pico was not looked at; named, its
	// diagnostics name it as the directory was given.
	code, _, stderr := run(t, "generate", "sub")
	if code != 1 || !strings.HasPrefix(stderr, filepath.Join("sub", "b.pico")+":2:") {
		t.Errorf("generate sub: exit %d, stderr %q; want 1 and sub/b.pico:2:", code, stderr)
	}
}

func TestGenerateKeepsUnchangedFile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.pico": goodPico})
	out := filepath.Join(dir, "a.pico.go")
	if code, _, stderr := run(t, "generate", dir); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// An mtime in the past shows whether the second run rewrote the file,
	// whatever the file system's time resolution.
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(out, past, past); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "generate", dir); code != 0 {
		t.Fatalf("second run: exit %d, stderr %q", code, stderr)
	}
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if !info.ModTime().Equal(past) {
		t.Errorf("mtime changed to %v: an identical file was rewritten", info.ModTime())
	}

	// A stale output is replaced.
	if err := os.WriteFile(out, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "generate", dir); code != 0 {
		t.Fatalf("third run: exit %d, stderr %q", code, stderr)
	}
	if got := readFile(t, out); got == "stale" {
		t.Error("stale output was not replaced")
	}
	noTempFiles(t, dir)
}

func TestGenerateAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	const old = "// old output, to be kept\npackage demo\n"
	writeFiles(t, dir, map[string]string{"a.pico": goodPico, "b.pico": badPico, "a.pico.go": old})
	for _, args := range [][]string{
		{"generate", dir},
		{"generate", filepath.Join(dir, "a.pico"), filepath.Join(dir, "b.pico")},
		{"generate", filepath.Join(dir, "a.pico"), filepath.Join(dir, "missing.pico")},
	} {
		code, stdout, stderr := run(t, args...)
		if code != 1 || stdout != "" {
			t.Errorf("%q: exit %d, stdout %q; want 1", args, code, stdout)
		}
		if strings.Contains(args[len(args)-1], "b.pico") || args[1] == dir {
			if !strings.Contains(stderr, filepath.Join(dir, "b.pico")+":2:") {
				t.Errorf("%q: stderr = %q, want b.pico:2: diagnostics", args, stderr)
			}
		}
		if got := readFile(t, filepath.Join(dir, "a.pico.go")); got != old {
			t.Errorf("%q: a.pico.go was rewritten by a failed run:\n%s", args, got)
		}
		if _, err := os.Stat(filepath.Join(dir, "b.pico.go")); !os.IsNotExist(err) {
			t.Errorf("%q: b.pico.go exists after a failed run (err %v)", args, err)
		}
		noTempFiles(t, dir)
	}

	// The same with no prior output: nothing appears.
	os.Remove(filepath.Join(dir, "a.pico.go"))
	if code, _, _ := run(t, "generate", dir); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.pico.go")); !os.IsNotExist(err) {
		t.Errorf("a.pico.go written by a failed run (err %v)", err)
	}
	noTempFiles(t, dir)
}

func TestGeneratePackage(t *testing.T) {
	t.Run("GOPACKAGE in the current directory", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		t.Setenv("GOPACKAGE", "fromenv")
		writeFiles(t, dir, map[string]string{"a.pico": nopkgPico, "x.go": "package fromgo\n"})
		if code, _, stderr := run(t, "generate"); code != 0 {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if got := packageOf(t, "a.pico.go"); got != "fromenv" {
			t.Errorf("package %s, want fromenv", got)
		}
	})
	t.Run("GOPACKAGE of another directory", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		t.Setenv("GOPACKAGE", "fromenv")
		writeFiles(t, dir, map[string]string{"sub/a.pico": nopkgPico, "sub/x.go": "package fromgo\n"})
		if code, _, stderr := run(t, "generate", "sub"); code != 0 {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if got := packageOf(t, filepath.Join("sub", "a.pico.go")); got != "fromgo" {
			t.Errorf("package %s, want fromgo", got)
		}
	})
	t.Run("Go files", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("GOPACKAGE", "")
		writeFiles(t, dir, map[string]string{"a.pico": nopkgPico, "x.go": "package fromgo\n", "x_test.go": "package fromgo_test\n"})
		if code, _, stderr := run(t, "generate", dir); code != 0 {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if got := packageOf(t, filepath.Join(dir, "a.pico.go")); got != "fromgo" {
			t.Errorf("package %s, want fromgo", got)
		}
	})
	t.Run("directory name", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "My-App")
		t.Setenv("GOPACKAGE", "")
		writeFiles(t, dir, map[string]string{"a.pico": nopkgPico})
		if code, _, stderr := run(t, "generate", dir); code != 0 {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if got := packageOf(t, filepath.Join(dir, "a.pico.go")); got != "myapp" {
			t.Errorf("package %s, want myapp", got)
		}
	})
	t.Run("declared package mismatches the Go files", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("GOPACKAGE", "")
		writeFiles(t, dir, map[string]string{"a.pico": goodPico, "x.go": "package other\n"})
		for _, cmd := range []string{"check", "generate"} {
			code, stdout, stderr := run(t, cmd, dir)
			if code != 1 || stdout != "" {
				t.Errorf("%s: exit %d, stdout %q; want 1", cmd, code, stdout)
			}
			want := filepath.Join(dir, "a.pico") + ":1:9: package demo does not match package other of the Go files in " + dir + "\n"
			if stderr != want {
				t.Errorf("%s: stderr = %q, want %q", cmd, stderr, want)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "a.pico.go")); !os.IsNotExist(err) {
			t.Errorf("a.pico.go written despite the mismatch (err %v)", err)
		}
	})
	t.Run("two .pico files of one directory disagree", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		t.Setenv("GOPACKAGE", "")
		writeFiles(t, dir, map[string]string{"a.pico": goodPico, "b.pico": strings.Replace(goodPico, "demo", "other", 1)})
		code, _, stderr := run(t, "generate")
		if want := "b.pico:1:9: package other does not match package demo of a.pico\n"; code != 1 || stderr != want {
			t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, want)
		}
		if matches, _ := filepath.Glob("*.go"); len(matches) > 0 {
			t.Errorf("wrote %v", matches)
		}
	})
}

func TestGraph(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"good.pico": goodPico, "bad.pico": badPico})
	good, bad := filepath.Join(dir, "good.pico"), filepath.Join(dir, "bad.pico")

	code, stdout, stderr := run(t, "graph", good)
	want := "flowchart TD\n    F_A([\"A\"])\n    F_start((start)) --> F_A\n"
	if code != 0 || stdout != want || stderr != "" {
		t.Errorf("graph: exit %d, stdout %q, stderr %q; want 0 and %q", code, stdout, stderr, want)
	}
	if code, stdout, _ := run(t, "graph", "-format", "dot", "-flow", "F", good); code != 0 || !strings.HasPrefix(stdout, "digraph picoflow {\n") {
		t.Errorf("graph -format dot: exit %d, stdout %q", code, stdout)
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"graph"}, 2, "picoflow: graph takes exactly one .pico file\n"},
		{[]string{"graph", good, good}, 2, "picoflow: graph takes exactly one .pico file\n"},
		{[]string{"graph", "-format", "svg", good}, 2, "picoflow: unknown -format \"svg\": use mermaid or dot\n"},
		{[]string{"graph", "-flow", "G", good}, 1, "picoflow: " + good + " has no flow \"G\" (flows: F)\n"},
		{[]string{"graph", bad}, 1, bad + ":2:16: unknown node \"Missing\"\n"},
	} {
		code, stdout, stderr := run(t, tc.args...)
		if code != tc.code || stdout != "" || !strings.HasPrefix(stderr, tc.stderr) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d and stderr starting %q", tc.args, code, stdout, stderr, tc.code, tc.stderr)
		}
	}
}
