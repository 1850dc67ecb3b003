package scaffold

import (
	"bytes"
	"fmt"
	"go/format"
	"path"
	"strconv"
	"strings"

	"github.com/digital-duck/picoflow-go/codegen"
	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/templates"
)

// Picoflow is the module path of picoflow.
const Picoflow = "github.com/digital-duck/picoflow-go"

// goVersion is the go line of a starter module: the release picoflow
// itself requires, and the first with the tool directive.
const goVersion = "1.24.0"

// StarterPico is the name of the starter module's .pico file.
const StarterPico = "hello.pico"

// Starter is the module that picoflow init writes.
type Starter struct {
	Module  string // the module path
	Version string // the picoflow version to require; "" to leave it to go mod tidy
	Replace string // a picoflow checkout to use instead of a release; "" for none
}

// Files returns the files of the starter module by name: go.mod, the .pico
// with its generated code, its nodes, and main.go. The generated file is
// what go generate would write, so that the module builds at once.
func (s Starter) Files() (map[string][]byte, error) {
	data := struct {
		Module, Go, Picoflow, Version, Replace, Command string
	}{s.Module, goVersion, Picoflow, s.Version, modFilePath(s.Replace), path.Base(s.Module)}
	if s.Replace != "" && s.Version == "" {
		data.Version = "v0.0.0" // any version: the replace decides
	}
	files := map[string][]byte{}
	for name, tmpl := range map[string]string{
		"go.mod":         "go.mod.tmpl",
		StarterPico:      "hello.pico.tmpl",
		"hello_nodes.go": "hello_nodes.go.tmpl",
		"main.go":        "main.go.tmpl",
	} {
		var buf bytes.Buffer
		if err := templates.Init.ExecuteTemplate(&buf, tmpl, data); err != nil {
			return nil, err
		}
		out := buf.Bytes()
		if strings.HasSuffix(name, ".go") {
			var err error
			if out, err = format.Source(out); err != nil {
				return nil, fmt.Errorf("init: %s: %v", name, err)
			}
		}
		files[name] = out
	}
	m, diags := dsl.Check(StarterPico, files[StarterPico])
	if diags.HasErrors() {
		return nil, fmt.Errorf("init: %v", diags)
	}
	gen, err := codegen.Generate(m, codegen.Options{})
	if err != nil {
		return nil, err
	}
	files[StarterPico+".go"] = gen
	return files, nil
}

// modFilePath writes a file path as go.mod needs it: quoted when it holds
// a space or a character go.mod would read otherwise.
func modFilePath(p string) string {
	if strings.ContainsAny(p, " \t\"'`\\") {
		return strconv.Quote(p)
	}
	return p
}

// CheckModulePath reports whether p can be a module path: slash-separated
// elements of letters, digits and -._~, none empty or starting with a dot.
// It is stricter than the go command in a few corners, never looser.
func CheckModulePath(p string) error {
	if p == "" {
		return fmt.Errorf("empty module path")
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == "" || elem[0] == '.' || elem[len(elem)-1] == '.' {
			return fmt.Errorf("malformed module path %q", p)
		}
		for _, r := range elem {
			if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~", r)) {
				return fmt.Errorf("malformed module path %q: invalid char %q", p, r)
			}
		}
	}
	return nil
}
