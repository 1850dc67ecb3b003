// Package codegen turns a checked dsl.Model into Go source.
package codegen

import "github.com/digital-duck/picoflow-go/dsl"

// Options tune generation.
type Options struct {
	// Package is the Go package name to use when the .pico has no `package`.
	Package string
}

// Generate returns the gofmt-formatted Go source of X.pico.go for m.
func Generate(m *dsl.Model, opts Options) ([]byte, error) {
	panic("not yet written")
}
