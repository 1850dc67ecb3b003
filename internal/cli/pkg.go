package cli

import (
	"fmt"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// packageName decides the Go package of the file generated from the .pico at
// path, whose package clause names declared ("" when it has none), with
// gopackage the value of $GOPACKAGE.
//
// A declared package must agree with the Go files beside the .pico, or the
// generated file could not compile with them. Without one, the package is, in
// order: gopackage, when the .pico's directory is the current one (go
// generate sets it for the directory of the file holding the directive; an
// external test package's "_test" is dropped, since the generated file is not
// a test file); the package of the Go files in the directory; the directory's
// name made into an identifier (see identFromDir).
func packageName(declared, path, gopackage string) (string, error) {
	dir := filepath.Dir(path)
	goPkg, err := goFilesPackage(dir)
	if err != nil {
		return "", err
	}
	if declared != "" {
		if goPkg != "" && goPkg != declared {
			return "", &fileError{path, fmt.Sprintf("package %s does not match package %s of the Go files in %s", declared, goPkg, dir)}
		}
		return declared, nil
	}
	if gopackage != "" && isCurrentDir(dir) {
		return strings.TrimSuffix(gopackage, "_test"), nil
	}
	if goPkg != "" {
		return goPkg, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", pathError(dir, err)
	}
	return identFromDir(filepath.Base(abs)), nil
}

// isCurrentDir reports whether dir is the working directory, however spelled.
func isCurrentDir(dir string) bool {
	a, err := os.Stat(dir)
	if err != nil {
		return false
	}
	b, err := os.Stat(".")
	return err == nil && os.SameFile(a, b)
}

// goFilesPackage returns the package of the Go files in dir, or "" when there
// are none. It counts the files the go command would build here (build
// constraints apply, so a `//go:build ignore` generator script in package
// main does not count), but neither test files, which may be an external
// _test package, nor generated *.pico.go files, which may be stale: they are
// about to be rewritten, and must not hold a package rename back. Files whose
// package clause does not parse are skipped; the compiler will report them.
// When the files disagree the most common package wins, ties going to the
// first name in sort order, so the answer is deterministic.
func goFilesPackage(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", pathError(dir, err)
	}
	count := map[string]int{}
	fset := token.NewFileSet()
	for _, ent := range entries {
		name := ent.Name()
		if ent.IsDir() || !strings.HasSuffix(name, ".go") ||
			strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, picoExt+".go") {
			continue
		}
		if match, err := build.Default.MatchFile(dir, name); err != nil || !match {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.PackageClauseOnly)
		if err != nil {
			continue
		}
		count[f.Name.Name]++
	}
	best := ""
	for pkg, n := range count {
		if best == "" || n > count[best] || n == count[best] && pkg < best {
			best = pkg
		}
	}
	return best, nil
}

// fallbackPackage is the package name when a directory's name has nothing to
// make one from (the file system root, "___"). Not "main": a main package
// without a main function does not build.
const fallbackPackage = "flow"

// identFromDir makes a directory name into a package name in Go's style:
// lower case, with only letters and digits kept ("My-App" and "my_app" become
// "myapp"). A leading digit gets the prefix "pkg" ("2fa" becomes "pkg2fa"), a
// Go keyword the suffix "pkg" ("go" becomes "gopkg"), and a name with no
// letter or digit becomes "flow".
func identFromDir(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	id := b.String()
	switch {
	case id == "":
		return fallbackPackage
	case unicode.IsDigit([]rune(id)[0]):
		return "pkg" + id
	case token.IsKeyword(id):
		return id + "pkg"
	}
	return id
}
