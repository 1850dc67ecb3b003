package dsl_test

import (
	"testing"

	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/e2e/scale"
)

// BenchmarkCheck10k checks the 10,000-node flow that internal/e2e/scale
// writes (issue 12): lexing, parsing and checking a file of about 1 MB, the
// whole front end of picoflow check and generate. Compare changes to the
// lexer, the grammar or the checker with it, old and new runs interleaved:
//
//	go test ./dsl -run XXX -bench Check10k -benchmem -benchtime 5x
func BenchmarkCheck10k(b *testing.B) {
	src, err := scale.Pico(10000)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := dsl.Check(scale.PicoFile, src); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}
