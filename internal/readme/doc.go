// Package readme holds the tests that keep README.md true to the code: every
// ```pico block is checked by dsl.Check and every ```go block is compiled or
// compared with the generated code it shows.
package readme
