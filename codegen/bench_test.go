package codegen_test

import (
	"testing"

	"github.com/digital-duck/picoflow-go/codegen"
	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/e2e/scale"
)

// BenchmarkGenerate10k generates the Go code of the 10,000-node flow that
// internal/e2e/scale writes (issue 12), from a checked model: the part of
// picoflow generate after the front end (dsl.BenchmarkCheck10k).
//
//	go test ./codegen -run XXX -bench Generate10k -benchmem -benchtime 3x
func BenchmarkGenerate10k(b *testing.B) {
	src, err := scale.Pico(10000)
	if err != nil {
		b.Fatal(err)
	}
	m, diags := dsl.Check("scale.pico", src)
	if m == nil {
		b.Fatal(diags)
	}
	b.ReportAllocs()
	for b.Loop() {
		out, err := codegen.Generate(m, codegen.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(out)))
	}
}
