package cli

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

const (
	// loosePico is laid out loosely; tidyPico is how fmt prints it.
	loosePico = "store S {\n  n int // count\n  name string\n}\nnode A\nflow F { start A }\n"
	tidyPico  = "store S {\n    n    int   // count\n    name string\n}\n\nnode A\nflow F { start A }\n"
	// syntaxPico has a syntax error on line 3: the store's } is missing.
	syntaxPico = "store S {\n  n int\nnode A\n"
	// unknownPico does not check (an unknown node) but parses.
	unknownPico = "store S { n int }\nflow F {  start Missing }\n"
)

func TestFmtPrints(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFiles(t, dir, map[string]string{"a.pico": loosePico, "b.pico": tidyPico, "c.pico": unknownPico})
	code, stdout, stderr := run(t, "fmt")
	want := tidyPico + tidyPico + "store S { n int }\nflow F { start Missing }\n"
	if code != 0 || stdout != want || stderr != "" {
		t.Errorf("fmt: exit %d, stdout %q, stderr %q; want 0 and %q", code, stdout, stderr, want)
	}
	if got := readFile(t, "a.pico"); got != loosePico {
		t.Errorf("fmt without -w changed a.pico to %q", got)
	}
}

func TestFmtList(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFiles(t, dir, map[string]string{"a.pico": loosePico, "b.pico": tidyPico, "sub/c.pico": unknownPico})
	code, stdout, stderr := run(t, "fmt", "-l", ".", "sub")
	if want := "a.pico\nsub/c.pico\n"; code != 0 || stdout != want || stderr != "" {
		t.Errorf("fmt -l: exit %d, stdout %q, stderr %q; want 0 and %q", code, stdout, stderr, want)
	}
	code, stdout, stderr = run(t, "fmt", "-l", "b.pico")
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("fmt -l on a formatted file: exit %d, stdout %q, stderr %q; want 0 and silence", code, stdout, stderr)
	}
}

func TestFmtWrite(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFiles(t, dir, map[string]string{"a.pico": loosePico, "b.pico": tidyPico})
	if err := os.Chmod("a.pico", 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, name := range []string{"a.pico", "b.pico"} {
		if err := os.Chtimes(name, old, old); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := run(t, "fmt", "-w", "-l")
	if want := "a.pico\n"; code != 0 || stdout != want || stderr != "" {
		t.Errorf("fmt -w -l: exit %d, stdout %q, stderr %q; want 0 and %q", code, stdout, stderr, want)
	}
	if got := readFile(t, "a.pico"); got != tidyPico {
		t.Errorf("a.pico = %q, want %q", got, tidyPico)
	}
	if info, err := os.Stat("a.pico"); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("a.pico: mode %v, %v; want the 0600 it had", info.Mode(), err)
	}
	// A formatted file is not written: its modification time stays.
	if info, err := os.Stat("b.pico"); err != nil || !info.ModTime().Equal(old) {
		t.Errorf("b.pico was rewritten: %v, %v", info.ModTime(), err)
	}
	noTempFiles(t, dir)
	code, stdout, _ = run(t, "fmt", "-w")
	if code != 0 || stdout != "" {
		t.Errorf("fmt -w again: exit %d, stdout %q; want 0 and nothing", code, stdout)
	}
}

func TestFmtDiff(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFiles(t, dir, map[string]string{"a.pico": loosePico, "b.pico": tidyPico})
	code, stdout, stderr := run(t, "fmt", "-d")
	want := `diff a.pico.orig a.pico
--- a.pico.orig
+++ a.pico
@@ -1,6 +1,7 @@
 store S {
-  n int // count
-  name string
+    n    int   // count
+    name string
 }
+
 node A
 flow F { start A }
`
	if code != 0 || stdout != want || stderr != "" {
		t.Errorf("fmt -d: exit %d, stderr %q, stdout\n%s\nwant\n%s", code, stderr, stdout, want)
	}
	if got := readFile(t, "a.pico"); got != loosePico {
		t.Errorf("fmt -d changed a.pico to %q", got)
	}
}

func TestFmtErrors(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFiles(t, dir, map[string]string{"a.pico": loosePico, "bad.pico": syntaxPico})
	// A syntax error is reported and its file left alone; the other files
	// are still formatted.
	code, stdout, stderr := run(t, "fmt", "-w", "bad.pico", "a.pico")
	if want := "bad.pico:3:1: expected } to close the { at 1:9, found keyword node\n"; code != 1 || stdout != "" || stderr != want {
		t.Errorf("fmt -w with a syntax error: exit %d, stdout %q, stderr %q; want 1 and %q", code, stdout, stderr, want)
	}
	if got := readFile(t, "bad.pico"); got != syntaxPico {
		t.Errorf("bad.pico = %q, want it unchanged", got)
	}
	if got := readFile(t, "a.pico"); got != tidyPico {
		t.Errorf("a.pico = %q, want it formatted", got)
	}
	code, stdout, stderr = run(t, "fmt", "missing.pico", filepath.Join(dir, "a.pico"))
	if code != 1 || stdout != tidyPico || stderr != "picoflow: missing.pico: no such file or directory\n" {
		t.Errorf("fmt with a missing file: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, "fmt", "-x")
	if code != 2 || stdout != "" || stderr != "flag provided but not defined: -x\n"+fmtHelp {
		t.Errorf("fmt -x: exit %d, stdout %q, stderr %q; want 2 and the help", code, stdout, stderr)
	}
}
