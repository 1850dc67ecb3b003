// Package codegen turns a checked [dsl.Model] into the Go source of
// X.pico.go: the store struct and its constructor, one action type and one
// interface per node, and one struct per flow whose Run and Resume methods
// drive the graph on the runtime package.
//
// [Generate] is pure: it reads the model and returns bytes, gofmt-formatted
// and the same for the same input; writing files is the caller's job (the
// picoflow command writes them atomically, and only when every file of a run
// generated cleanly). It never reads the .pico syntax tree.
//
// The generated code calls the typed node interfaces directly from a
// `switch` over each flow's members, with no reflection and no map lookups
// per step. Right after the imports, a struct of blank fields names every
// type the .pico writes, each behind a /*line*/ directive with its .pico
// position, so that go build reports a type the .pico names wrongly at the
// .pico line and column, before anything else; each default of the store's
// constructor has one too. The file records the hash of its .pico
// ([SourceRecord]), by which picoflow check finds a stale one, and refers to
// the runtime's SupportPackageIsVersionN constant, so that a file generated
// for another runtime fails to build at a line that says to regenerate.
//
// The expected output of each case in testdata/golden is checked byte for
// byte, and compiled, vetted and linted (go test ./codegen; -update rewrites
// the goldens).
package codegen
