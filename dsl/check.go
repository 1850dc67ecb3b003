package dsl

// Check parses and checks one .pico file. The model is nil when the
// diagnostics hold an error; warnings come with a model.
func Check(filename string, src []byte) (*Model, Diagnostics) {
	panic("not yet written")
}
