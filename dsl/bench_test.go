package dsl_test

import (
	"testing"

	"github.com/alecthomas/participle/v2/lexer"

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

// TestLexerScale compares the lexer with its regexp reference (see
// TestLexerMatchesRegexp) on the file BenchmarkLex10k lexes: some 1 MB,
// larger than any file of the corpus.
func TestLexerScale(t *testing.T) {
	if testing.Short() {
		t.Skip("the regexp lexer takes about a second")
	}
	src, err := scale.Pico(10000)
	if err != nil {
		t.Fatal(err)
	}
	if d := dsl.CompareLexers(string(src)); d != "" {
		t.Fatal(d)
	}
}

// BenchmarkLex10k lexes the 10,000-node flow of BenchmarkCheck10k alone,
// with the lexer Check uses (hand) and with the regexp definition it
// replaced (regexp), which lexer_test.go keeps as its reference:
//
//	go test ./dsl -run XXX -bench Lex10k -benchmem
func BenchmarkLex10k(b *testing.B) {
	src, err := scale.Pico(10000)
	if err != nil {
		b.Fatal(err)
	}
	for _, bm := range []struct {
		name string
		def  lexer.Definition
	}{{"hand", dsl.PicoLexer}, {"regexp", dsl.PicoRegexpLexer}} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				// As Check does: the source is copied into a string.
				lx, err := bm.def.(lexer.StringDefinition).LexString(scale.PicoFile, string(src))
				if err != nil {
					b.Fatal(err)
				}
				for {
					t, err := lx.Next()
					if err != nil {
						b.Fatal(err)
					}
					if t.EOF() {
						break
					}
				}
			}
		})
	}
}
