package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests cover file selection, package resolution and writing without
// dsl or codegen.

func TestPickFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFiles(t, dir, map[string]string{
		"b.pico": "", "a.pico": "", "c.go": "", ".a.pico": "", "_old.pico": "",
		"sub/z.pico": "", "sub/deeper/y.pico": "", "none/x.txt": "", "dir.pico/q.pico": "",
	})
	for _, tc := range []struct {
		args      []string
		wantFiles []string
		wantErrs  []string
	}{
		{nil, []string{"a.pico", "b.pico"}, nil},
		{[]string{"."}, []string{"a.pico", "b.pico"}, nil},
		{[]string{"./"}, []string{"a.pico", "b.pico"}, nil},
		{[]string{"sub"}, []string{filepath.Join("sub", "z.pico")}, nil},
		{[]string{"sub/"}, []string{filepath.Join("sub", "z.pico")}, nil},
		{[]string{"b.pico", "."}, []string{"b.pico", "a.pico"}, nil},
		{[]string{"./a.pico", "a.pico"}, []string{"./a.pico"}, nil},
		{[]string{".a.pico"}, []string{".a.pico"}, nil}, // named, not skipped
		{[]string{"dir.pico"}, []string{filepath.Join("dir.pico", "q.pico")}, nil},
		{[]string{"c.go", "a.pico"}, []string{"a.pico"}, []string{"c.go: not a .pico file"}},
		{[]string{"none", "x.pico"}, nil, []string{"none: no .pico files", "x.pico: no such file or directory"}},
	} {
		files, errs := pickFiles(tc.args)
		var gotErrs []string
		for _, err := range errs {
			gotErrs = append(gotErrs, err.Error())
		}
		if !slices.Equal(files, tc.wantFiles) || !slices.Equal(gotErrs, tc.wantErrs) {
			t.Errorf("pickFiles(%q) = %q, %q; want %q, %q", tc.args, files, gotErrs, tc.wantFiles, tc.wantErrs)
		}
	}
}

func TestGoFilesPackage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"none", map[string]string{"a.pico": ""}, ""},
		{"one", map[string]string{"x.go": "package x\n"}, "x"},
		{"comments before the clause", map[string]string{"x.go": "// Package x does things.\npackage x\n"}, "x"},
		{"majority", map[string]string{"a.go": "package b\n", "b.go": "package a\n", "c.go": "package a\n"}, "a"},
		{"tie goes to name order", map[string]string{"a.go": "package zz\n", "b.go": "package aa\n"}, "aa"},
		{"test files ignored", map[string]string{"x.go": "package x\n", "a_test.go": "package x_test\n", "b_test.go": "package x_test\n"}, "x"},
		{"only test files", map[string]string{"a_test.go": "package x_test\n"}, ""},
		{"generated files ignored", map[string]string{"x.go": "package x\n", "a.pico.go": "package old\n", "b.pico.go": "package old\n"}, "x"},
		{"build-ignored files ignored", map[string]string{"x.go": "package x\n", "gen.go": "//go:build ignore\n\npackage main\n", "gen2.go": "//go:build ignore\n\npackage main\n"}, "x"},
		{"hidden files ignored", map[string]string{"x.go": "package x\n", "_a.go": "package y\n", ".b.go": "package y\n"}, "x"},
		{"unparsable files ignored", map[string]string{"x.go": "package x\n", "a.go": "pakage y\n", "b.go": "package\n"}, "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			got, err := goFilesPackage(dir)
			if err != nil || got != tc.want {
				t.Errorf("goFilesPackage = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestPackageName(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	writeFiles(t, root, map[string]string{
		"a.pico":           "",
		"x.go":             "package rootpkg\n",
		"sub/b.pico":       "",
		"sub/x.go":         "package subpkg\n",
		"Empty-Dir/c.pico": "",
	})
	for _, tc := range []struct {
		declared, path, gopackage string
		want, wantErr             string
	}{
		{"", "a.pico", "", "rootpkg", ""},
		{"", "a.pico", "envpkg", "envpkg", ""},
		{"", "./a.pico", "envpkg", "envpkg", ""},
		{"", filepath.Join(root, "a.pico"), "envpkg", "envpkg", ""},
		{"", "a.pico", "envpkg_test", "envpkg", ""},
		{"", "sub/b.pico", "envpkg", "subpkg", ""},
		{"", "Empty-Dir/c.pico", "", "emptydir", ""},
		{"", "Empty-Dir/c.pico", "envpkg", "emptydir", ""},
		{"rootpkg", "a.pico", "", "rootpkg", ""},
		{"declared", "Empty-Dir/c.pico", "", "declared", ""},
		{"declared", "a.pico", "", "", "a.pico: package declared does not match package rootpkg of the Go files in ."},
		{"declared", "sub/b.pico", "declared", "", "sub/b.pico: package declared does not match package subpkg of the Go files in sub"},
	} {
		got, err := packageName(tc.declared, tc.path, tc.gopackage)
		var gotErr string
		if err != nil {
			gotErr = err.Error()
		}
		if got != tc.want || gotErr != tc.wantErr {
			t.Errorf("packageName(%q, %q, %q) = %q, %q; want %q, %q", tc.declared, tc.path, tc.gopackage, got, gotErr, tc.want, tc.wantErr)
		}
	}
}

func TestIdentFromDir(t *testing.T) {
	for dir, want := range map[string]string{
		"demo":       "demo",
		"My-App":     "myapp",
		"my_app":     "myapp",
		"app.v2":     "appv2",
		"2fa":        "pkg2fa",
		"go":         "gopkg",
		"Type":       "typepkg",
		"café":       "café",
		"/":          "flow",
		"___":        "flow",
		"with space": "withspace",
	} {
		if got := identFromDir(dir); got != want {
			t.Errorf("identFromDir(%q) = %q, want %q", dir, got, want)
		}
	}
}

func TestWriteAll(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.pico.go"), filepath.Join(dir, "b.pico.go")
	if err := os.WriteFile(b, []byte("old b"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeAll(map[string][]byte{a: []byte("new a"), b: []byte("new b")}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{a: "new a", b: "new b"} {
		if got := readFile(t, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
		info, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want 0644", name, info.Mode().Perm())
		}
	}
	noTempFiles(t, dir)

	// Identical content is not rewritten; changed content is.
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, name := range []string{a, b} {
		if err := os.Chtimes(name, past, past); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeAll(map[string][]byte{a: []byte("new a"), b: []byte("newer b")}); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(a); !info.ModTime().Equal(past) {
		t.Errorf("identical %s was rewritten", a)
	}
	if info, _ := os.Stat(b); info.ModTime().Equal(past) || readFile(t, b) != "newer b" {
		t.Errorf("changed %s was not rewritten", b)
	}
}

func TestWriteAllFailure(t *testing.T) {
	dir := t.TempDir()
	// A non-empty directory where the output should go: the rename fails
	// after the temporary file was written, even for root.
	blocked := filepath.Join(dir, "a.pico.go")
	writeFiles(t, blocked, map[string]string{"keep": "x"})
	err := writeAll(map[string][]byte{blocked: []byte("new")})
	if err == nil {
		t.Fatal("writeAll into a directory succeeded")
	}
	if !strings.HasPrefix(err.Error(), blocked+": ") || strings.Contains(err.Error(), ".tmp") {
		t.Errorf("error %q should name %s and not the temporary file", err, blocked)
	}
	noTempFiles(t, dir)

	// A directory that does not exist: CreateTemp fails.
	missing := filepath.Join(dir, "nodir", "a.pico.go")
	if err := writeAll(map[string][]byte{missing: []byte("new")}); err == nil || !strings.HasPrefix(err.Error(), missing+": ") {
		t.Errorf("writeAll into a missing directory: %v", err)
	}
}
