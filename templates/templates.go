// Package templates holds the text/template files from which picoflow writes
// Go source that users own and edit, as opposed to the generated X.pico.go,
// which codegen rewrites on every run. The templates hold layout only: the
// callers work out every name, type and zero value, execute a template, and
// gofmt the result.
//
//   - nodes.go.tmpl is the file picoflow scaffold writes (X_nodes.go): one
//     type per node interface that the package does not implement yet, each
//     method returning a "not implemented" error and carrying the node's doc
//     comment, the missing methods of a type that implements a node in part,
//     and one constructor per flow that sets every node field.
//   - init/go.mod.tmpl, init/hello.pico.tmpl, init/hello_nodes.go.tmpl and
//     init/main.go.tmpl are the starter module of picoflow init: a flow with
//     a branch, working node implementations (stubs would fail the first
//     run) and a main package that runs the flow and prints its result.
package templates

import (
	"embed"
	"text/template"
)

// FS holds the template files, under the names listed in the package doc.
//
//go:embed nodes.go.tmpl init/*.tmpl
var FS embed.FS

// Nodes is nodes.go.tmpl, parsed.
var Nodes = template.Must(template.ParseFS(FS, "nodes.go.tmpl"))

// Init holds the templates of picoflow init's starter module, each under its
// base name (go.mod.tmpl, hello.pico.tmpl, ...).
var Init = template.Must(template.ParseFS(FS, "init/*.tmpl"))
