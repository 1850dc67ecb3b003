package codegen_test

import (
	"os"
	"testing"

	"github.com/digital-duck/picoflow-go/codegen"
	"github.com/digital-duck/picoflow-go/dsl"
)

func BenchmarkGenerate10k(b *testing.B) {
	src, err := os.ReadFile("/work/main/internal/scaletmp10000/scale.pico")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		m, diags := dsl.Check("scale.pico", src)
		if m == nil {
			b.Fatal(diags)
		}
		if _, err := codegen.Generate(m, codegen.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
